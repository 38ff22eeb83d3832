"""The worker's messaging tick: every minute, send what is due."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from revisit.messaging.outbox import send_due


# No huey lock: a worker killed while holding one would stop every later tick, and the
# conditional claim already keeps overlapping ticks from sending anything twice.
@db_periodic_task(crontab(minute="*"))
def send_due_messages() -> dict:
    """Every minute: recover stale claims, then send the due messages (claimed by a
    conditional update, so an overlapping tick sends nothing twice)."""
    return send_due()
