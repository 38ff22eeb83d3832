"""The worker's own housekeeping."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.core.jobs import fail_stale_jobs
from revisit.core.statistics import refresh_statistics


@db_periodic_task(crontab(minute="*"))
def check_jobs() -> int:
    """Every minute: jobs whose worker died are marked failed, so nobody waits forever."""
    return fail_stale_jobs()


@db_periodic_task(crontab(minute="40", hour="3"))
def nightly_statistics() -> bool:
    """Every night: the planner's statistics follow the data (see refresh_statistics)."""
    return refresh_statistics()
