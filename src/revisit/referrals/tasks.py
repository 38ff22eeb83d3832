"""Background tick: rewards of referred customers whose first order came in."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.core.models import Organization
from revisit.referrals.reinvite import reinvite_leads_started
from revisit.referrals.rewards import propose_due_rewards

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="10", hour="*"))
def propose_rewards_tick():
    """Hourly: propose the rewards of every arrived referral with a first order. Run
    twice, proposes once (one reward per lead, side and kind)."""
    for organization in Organization.objects.all():
        try:
            propose_due_rewards(organization)
        except Exception:
            log.exception("referral rewards failed for organization %s", organization.pk)


@db_periodic_task(crontab(minute="20", hour="6"))
def reinvite_leads_tick():
    """Daily: referred friends who did not come last month are invited with the running
    campaign for their item. Run twice, schedules once."""
    for organization in Organization.objects.all():
        try:
            reinvite_leads_started(organization)
        except Exception:
            log.exception("referral re-invitations failed for organization %s", organization.pk)
