"""The messaging figures of a day, for the daily report: messages by channel and what
became of them."""

from datetime import date

from django.db.models import Count, Q

from revisit.core.clock import day_bounds
from revisit.messaging.models import Message, MessageChannel


def messages_by_channel(organization, day: date, customers=None) -> list[dict]:
    """Per sending channel on `day` (the organization's local day): messages sent (by
    their send time), and of those due that day the ones that failed or were not sent.
    `customers`: the viewer's customers (None: the whole organization). Channels with
    nothing to show are left out; a last row holds the totals."""
    start, end = day_bounds(organization, day)
    messages = Message.objects.filter(organization=organization)
    if customers is not None:
        messages = messages.filter(customer__in=customers)
    sent = Q(status=Message.Status.SENT, sent_at__gte=start, sent_at__lt=end)
    due = Q(due_at__gte=start, due_at__lt=end)
    counts = {
        row["channel"]: row
        for row in messages.filter(sent | due)
        .values("channel")
        .annotate(
            sent=Count("pk", filter=sent),
            failed=Count("pk", filter=due & Q(status=Message.Status.FAILED)),
            suppressed=Count("pk", filter=due & Q(status=Message.Status.SUPPRESSED)),
        )
        .order_by()
    }
    rows = []
    for channel, label in MessageChannel.choices:
        row = counts.get(channel)
        if row and (row["sent"] or row["failed"] or row["suppressed"]):
            rows.append({**row, "label": label})
    if rows:
        total = {k: sum(r[k] for r in rows) for k in ("sent", "failed", "suppressed")}
        rows.append({"channel": "", "label": None, **total})
    return rows
