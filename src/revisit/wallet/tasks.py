"""Nightly points work: expire the lots that are due, and post the points of any order
line still without them (lines entered in the app, or an import whose posting failed)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.core.jobs import run_now
from revisit.core.models import Organization
from revisit.wallet.points_models import PointsSettings

log = logging.getLogger(__name__)


def points_night(organization_id: int) -> dict:
    """Post missing order points, then expire what is due today. Idempotent."""
    from revisit.wallet.points import post_order_points
    from revisit.wallet.redemption import expire_points

    organization = Organization.objects.get(pk=organization_id)
    return {
        "posted": post_order_points(organization),
        "expired": expire_points(organization),
    }


@db_periodic_task(crontab(minute="40", hour="19"))
def nightly_points():
    """Nightly (03:40 in Shanghai): each organization with points on."""
    enabled = PointsSettings.objects.filter(enabled=True).values_list("organization_id", flat=True)
    for organization_id in enabled:
        try:
            run_now(
                lambda job: points_night(job.organization_id),
                kind="points_night",
                organization_id=organization_id,
            )
        except Exception:
            log.exception("points_night failed for organization %s", organization_id)
