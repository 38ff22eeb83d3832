"""The customer page's timeline: what happened with her, newest first, from small
per-source functions. A source takes (customer, staff, limit) and returns Entries; add one
to SOURCES to show a new kind of event (consultations, messages …)."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.access import may_reveal_phones
from revisit.core.clock import org_zone
from revisit.core.log_filters import mask_phones
from revisit.core.models import AuditEvent
from revisit.customers.models import Customer
from revisit.sales.models import OrderLine


@dataclass(frozen=True)
class Entry:
    at: datetime  # aware; a day-only event sits at noon of its day (local time)
    kind: str  # the source's name, also the CSS class
    label: str  # what kind of event, in the user's language
    text: str
    actor: str = ""
    day_only: bool = False


def _noon(customer: Customer, day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=org_zone(customer.organization))


def _note(staff, text: str) -> str:
    return text if may_reveal_phones(staff) else mask_phones(text or "")


def orders(customer, staff, limit):
    # An order's lines in their order, without the model's ordering, which joins the
    # orders table to sort by it.
    lines = Prefetch(
        "lines", queryset=OrderLine.objects.select_related("item").order_by("order_id", "line_no")
    )
    found = customer.orders.prefetch_related(lines).order_by("-order_date", "-id")[:limit]
    entries = []
    for order in found:
        lines = list(order.lines.all())
        items = "、".join(
            f"{line.item.name if line.item else '—'} ×{line.quantity}" for line in lines
        )
        total = sum((line.amount for line in lines), start=0)
        entries.append(
            Entry(
                _noon(customer, order.order_date),
                "order",
                _("Order"),
                f"{order.order_no} · {items} · {total}",
                day_only=True,
            )
        )
    return entries


def followups(customer, staff, limit):
    found = customer.followups.select_related("actor").order_by("-contacted_at")[:limit]
    return [
        Entry(
            f.contacted_at,
            "followup",
            _("Follow-up"),
            " · ".join(
                p
                for p in (f.get_channel_display(), f.get_outcome_display(), _note(staff, f.note))
                if p
            ),
            actor=str(f.actor or ""),
        )
        for f in found
    ]


def appointments(customer, staff, limit):
    found = customer.appointments.select_related("store", "staff").order_by("-starts_at")[:limit]
    return [
        Entry(
            a.starts_at,
            "appointment",
            _("Appointment"),
            " · ".join(p for p in (a.get_status_display(), str(a.store or "")) if p),
            actor=str(a.staff or ""),
        )
        for a in found
    ]


def published_grades(customer: Customer) -> list:
    """Her grades in published inventories (drafts are what-ifs), the latest first. Read
    once per customer object: the customer page shows the latest and the timeline all."""
    if "published_grades" not in customer.__dict__:
        customer.published_grades = list(
            customer.grades.filter(inventory__status="published")
            .select_related("inventory")
            .order_by("-inventory__as_of", "-inventory_id")
        )
    return customer.published_grades


def grades(customer, staff, limit):
    found = published_grades(customer)[:limit]
    return [
        Entry(
            _noon(customer, g.inventory.as_of),
            "grade",
            _("Inventory"),
            f"{g.segment} · {g.get_tier_display()}",
            day_only=True,
        )
        for g in found
    ]


def tier_changes(customer, staff, limit):
    found = customer.tier_changes.select_related("decided_by").order_by("-created_at")[:limit]
    return [
        Entry(
            c.created_at,
            "tier",
            c.get_kind_display(),
            f"{c.from_tier or '—'} → {c.to_tier} · {c.get_status_display()}",
            actor=str(c.decided_by or ""),
        )
        for c in found
    ]


def _reveal_events(customer):
    return AuditEvent.objects.filter(
        organization_id=customer.organization_id,
        target_type="customers.customer",
        target_id=str(customer.pk),
        action="phone.reveal",
    )


def reveals(customer, staff, limit):
    found = _reveal_events(customer).select_related("actor").order_by("-created_at")[:limit]
    return [
        Entry(e.created_at, "reveal", _("Phone number shown"), "", actor=str(e.actor or ""))
        for e in found
    ]


def notes(customer, staff, limit):
    found = customer.card_notes.select_related("author").order_by("-created_at")[:limit]
    return [
        Entry(n.created_at, "note", _("Note"), _note(staff, n.text), actor=str(n.author or ""))
        for n in found
    ]


def consultations(customer, staff, limit):
    found = (
        customer.consultations.select_related("consultant", "order")
        .prefetch_related("items")
        .order_by("-held_at")[:limit]
    )
    entries = []
    for c in found:
        result = c.get_result_display()
        if c.no_deal_reason:
            result = f"{result}（{c.get_no_deal_reason_display()}）"
        parts = [
            "、".join(item.name for item in c.items.all()) or c.topics,
            result,
            f"{_('Quoted')} {c.quoted_price}" if c.quoted_price is not None else "",
            c.order.order_no if c.order else "",
            _note(staff, c.note),
        ]
        entries.append(
            Entry(
                c.held_at,
                "consultation",
                _("Consultation"),
                " · ".join(p for p in parts if p),
                actor=str(c.consultant or ""),
            )
        )
    return entries


def registration(customer, staff, limit):
    return [
        Entry(
            customer.created_at,
            "card",
            _("Card registered"),
            "",
            actor=str(customer.created_by or ""),
        )
    ]


SOURCES = [
    registration,
    orders,
    followups,
    appointments,
    consultations,
    grades,
    tier_changes,
    reveals,
    notes,
]


# The rows behind a source, for asking in one query which sources have any for her: most
# customers have a few kinds of event, and a source's query costs about as much to build
# when it finds nothing.
ROWS = {
    orders: lambda customer: customer.orders.all(),
    followups: lambda customer: customer.followups.all(),
    appointments: lambda customer: customer.appointments.all(),
    consultations: lambda customer: customer.consultations.all(),
    tier_changes: lambda customer: customer.tier_changes.all(),
    reveals: _reveal_events,
    notes: lambda customer: customer.card_notes.all(),
}


def _sources_with_rows(customer: Customer) -> set:
    found = (
        Customer.objects.filter(pk=customer.pk)
        .values(**{f"has_{s.__name__}": Exists(rows(customer)) for s, rows in ROWS.items()})
        .first()
    ) or {}
    return {source for source in ROWS if found.get(f"has_{source.__name__}")}


def timeline(customer: Customer, staff, *, limit: int = 100) -> list[Entry]:
    """The latest `limit` entries of every source, newest first."""
    with_rows = _sources_with_rows(customer)
    entries = [
        entry
        for source in SOURCES
        if source not in ROWS or source in with_rows
        for entry in source(customer, staff, limit)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def local(entry: Entry, customer: Customer) -> datetime:
    return timezone.localtime(entry.at, org_zone(customer.organization))
