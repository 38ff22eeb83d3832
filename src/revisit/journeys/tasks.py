"""The worker's journeys tick: every hour, fire what is due today in each
organization's local day (a second run in the same day does nothing)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.core.clock import local_date
from revisit.core.models import Organization
from revisit.journeys.models import Journey
from revisit.journeys.tick import run_day


@db_periodic_task(crontab(minute="7"))
def fire_journeys() -> dict:
    """Every hour: each organization fires today's touches once. An organization whose
    journeys were never installed is left alone: the defaults arrive when someone opens
    the journeys page (or with the demo), so an upgrade starts no marketing by itself."""
    done = {}
    installed = Journey.objects.values("organization_id")
    for organization in Organization.objects.filter(pk__in=installed):
        done[organization.code] = run_day(organization, local_date(organization)).as_dict()
    return done
