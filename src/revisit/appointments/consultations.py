"""Consultations (接诊): what an arrived customer and her consultant discussed and whether
it ended in an order; and the 10:00 report of yesterday's consultations and orders."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.appointments.errors import DeskError
from revisit.appointments.models import Appointment, Consultation, NoDealReason
from revisit.core.audit import record_event
from revisit.core.clock import day_bounds
from revisit.core.models import Role, Staff, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item, Order, OrderLine

MAX_PRICE = Decimal("100000000")  # a quote above a hundred million is a typing mistake


def _price(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DeskError(_("The quoted price must be a number.")) from None
    if not price.is_finite() or not 0 <= price < MAX_PRICE:
        raise DeskError(_("The quoted price must be from 0 to 100 000 000."))
    return price


def _check_order(order: Order | None, customer: Customer) -> None:
    if order is not None and order.customer_id != customer.pk:
        raise DeskError(_("This order is not the customer's."))


def record_consultation(
    customer: Customer,
    *,
    store: Store,
    consultant: Staff,
    actor: Staff,
    result: str,
    items: list[Item] = (),
    topics: str = "",
    quoted_price=None,
    no_deal_reason: str = "",
    note: str = "",
    order: Order | None = None,
    appointment: Appointment | None = None,
    now: datetime | None = None,
) -> Consultation:
    """Record a consultation: 成交 (deal, optionally linking the order) or 未成交 with a
    reason from the list."""
    now = now or timezone.now()
    if result not in Consultation.Result.values:
        raise DeskError(_("Choose the result: deal or no deal."))
    if result == Consultation.Result.NO_DEAL and no_deal_reason not in NoDealReason.values:
        raise DeskError(_("Choose why there was no deal."))
    if result == Consultation.Result.DEAL:
        no_deal_reason = ""
    if not consultant.role_assignments.filter(role=Role.CONSULTANT, store=store).exists():
        raise DeskError(_("%(name)s is not a consultant of this store.") % {"name": consultant})
    if any(i.organization_id != customer.organization_id for i in items):
        raise DeskError(_("This item is not in the organization's catalog."))
    if appointment is not None and appointment.customer_id != customer.pk:
        raise DeskError(_("This appointment is not the customer's."))
    if appointment is not None and appointment.status not in (
        Appointment.Status.ARRIVED,
        Appointment.Status.IN_TREATMENT,
        Appointment.Status.DONE,
    ):
        raise DeskError(_("A consultation is recorded once the customer has arrived."))
    _check_order(order, customer)
    price = _price(quoted_price)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            organization_id=customer.organization_id,
            store=store,
            customer=customer,
            consultant=consultant,
            appointment=appointment,
            topics=(topics or "").strip()[:300],
            quoted_price=price,
            result=result,
            no_deal_reason=no_deal_reason,
            note=(note or "").strip()[:300],
            order=order,
            held_at=now,
            recorded_by=actor,
        )
        consultation.items.set(items)
        record_event(
            customer.organization,
            actor=actor,
            action="consultation.record",
            target=consultation,
            result=result,
            no_deal_reason=no_deal_reason,
        )
    return consultation


def link_consultation_order(consultation: Consultation, order: Order, *, actor: Staff):
    """The order that followed a consultation (entered or imported later): it becomes a
    deal."""
    _check_order(order, consultation.customer)
    with transaction.atomic():
        consultation.order = order
        consultation.result = Consultation.Result.DEAL
        consultation.no_deal_reason = ""
        consultation.save(update_fields=["order", "result", "no_deal_reason"])
        record_event(
            consultation.customer.organization,
            actor=actor,
            action="consultation.order",
            target=consultation,
            order=order.order_no,
        )
    return consultation


def consultation_report(consultations, day: date, organization) -> list[dict]:
    """Per consultant, the consultations held on `day` (organization's local day): each
    customer with her segment, tier, result and the order amount (the 10:00 report)."""
    from revisit.grading.reads import current_inventory

    start, end = day_bounds(organization, day)
    rows = list(
        consultations.filter(held_at__gte=start, held_at__lt=end)
        .select_related("consultant", "customer", "order", "store")
        .prefetch_related("items")
        .order_by("consultant__display_name", "consultant_id", "held_at")
    )
    amounts = dict(
        OrderLine.objects.filter(order_id__in=[r.order_id for r in rows if r.order_id])
        .values_list("order_id")
        .annotate(total=Sum("amount"))
    )
    inventory = current_inventory(organization.pk, on=day)
    segments = (
        dict(
            inventory.grades.filter(customer_id__in=[r.customer_id for r in rows]).values_list(
                "customer_id", "segment"
            )
        )
        if inventory and rows
        else {}
    )
    people: dict[int, dict] = {}
    for r in rows:
        person = people.setdefault(
            r.consultant_id,
            {"consultant": str(r.consultant), "rows": [], "count": 0, "deals": 0, "amount": 0},
        )
        amount = amounts.get(r.order_id, Decimal("0")) if r.order_id else Decimal("0")
        person["rows"].append(
            {
                "consultation": r,
                "segment": segments.get(r.customer_id, ""),
                "tier": r.customer.get_tier_display() if r.customer.tier else "",
                "amount": amount,
            }
        )
        person["count"] += 1
        person["deals"] += r.result == Consultation.Result.DEAL
        person["amount"] += amount
    return list(people.values())
