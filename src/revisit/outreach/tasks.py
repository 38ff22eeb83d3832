"""Background ticks: each morning, treatment revisits and the day's call lists."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.core.clock import local_date, org_zone
from revisit.core.jobs import run_now
from revisit.core.models import Organization
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.campaigns import reinvite_started
from revisit.outreach.revisits import schedule_treatment_revisits

log = logging.getLogger(__name__)


def prepare_day(organization_id: int) -> dict:
    """Schedule treatment revisits, re-invite for campaigns that started, and generate today's call lists for one organization.
    Safe to run any number of times a day: the second run adds nothing."""
    organization = Organization.objects.get(pk=organization_id)
    today = local_date(organization)
    revisits = schedule_treatment_revisits(organization, day=today)
    reinvited = reinvite_started(organization)
    result = generate_call_lists(organization, date=today)
    return {
        "revisits": revisits,
        "reinvited": reinvited,
        "created": result.created,
        "carried_over": result.carried_over,
    }


@db_periodic_task(crontab(minute="0", hour="*"))
def morning_lists():
    """Hourly tick; an organization's lists are made once its local time is past 7:00."""
    for organization in Organization.objects.all():
        if timezone.localtime(timezone.now(), org_zone(organization)).hour >= 7:
            try:
                run_now(
                    lambda job: prepare_day(job.organization_id),
                    kind="prepare_day",
                    organization_id=organization.pk,
                )
            except Exception:
                # Recorded on the job; the other organizations still get their lists.
                log.exception("prepare_day failed for organization %s", organization.pk)
