"""The worker's messaging tick: every minute, send what is due."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from revisit.messaging.outbox import send_due


@db_periodic_task(crontab(minute="*"))
@lock_task("messaging-send-due")
def send_due_messages() -> dict:
    """Every minute: recover stale claims, then send the due messages (claimed by a
    conditional update, so an overlapping tick sends nothing twice)."""
    return send_due()
