"""Nightly retention sweep."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.privacy.retention import sweep


@db_periodic_task(crontab(minute="20", hour="3"))
def nightly_retention():
    sweep()
