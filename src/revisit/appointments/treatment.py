"""The practitioner's side: the day's appointments with what to know about each customer,
and the post-treatment note that starts the item category's revisit cadence."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.appointments.errors import DeskError
from revisit.appointments.models import Appointment
from revisit.appointments.services import transition
from revisit.appointments.warnings import card_facts
from revisit.core.audit import record_event
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Staff
from revisit.customers.flags import pretreatment_warnings
from revisit.outreach.revisits import schedule_item_revisits
from revisit.sales.models import OrderLine

HISTORY = 8  # treatment lines shown per customer
MAX_NOTE = 2000


def finish_treatment(
    appointment: Appointment, *, actor: Staff, note: str, now: datetime | None = None
) -> tuple[Appointment, int]:
    """Write the post-treatment note and close the appointment (done); the item's
    category cadence (revisit:CATEGORY) schedules the follow-up contacts from today.
    Returns the appointment and how many contacts were scheduled."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise DeskError(_("Write the post-treatment note."))
    if len(note) > MAX_NOTE:
        raise DeskError(_("The note is longer than 2000 characters."))
    with transaction.atomic():
        done = transition(
            appointment,
            Appointment.Status.DONE,
            actor=actor,
            now=now,
            done_at=now,
            treatment_note=note,
        )
        scheduled = 0
        if done.item_id and done.item.category:
            scheduled = schedule_item_revisits(
                done.customer,
                category=done.item.category,
                treated_on=local_date(done.organization, now),
            )
        if scheduled:
            record_event(
                done.organization,
                actor=actor,
                action="appointment.revisits",
                target=done,
                count=scheduled,
            )
    return done, scheduled


def practitioner_day(appointments, organization, day: date) -> list[dict]:
    """The appointments of `day` with each customer's treatment history, card facts and
    pre-treatment warnings."""
    start, end = day_bounds(organization, day)
    rows = list(
        appointments.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("customer__psychology_type", "item", "room", "store")
        .order_by("starts_at")
    )
    history: dict[int, list] = {}
    lines = (
        OrderLine.objects.filter(customer_id__in={r.customer_id for r in rows}, amount__gt=0)
        .select_related("item", "practitioner")
        .order_by("-order_date", "-pk")
    )
    for line in lines.iterator():
        kept = history.setdefault(line.customer_id, [])
        if len(kept) < HISTORY:
            kept.append(line)
    return [
        {
            "appointment": r,
            "history": history.get(r.customer_id, []),
            "facts": card_facts(r.customer),
            "warnings": pretreatment_warnings(r.customer),
        }
        for r in rows
    ]
