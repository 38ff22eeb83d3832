"""The arrival desk (前台): today's arrivals, walk-ins, the receiving consultant, and the
proposal of another consultant when a customer has waited too long."""

import contextlib
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.appointments.access import store_staff
from revisit.appointments.errors import DeskError
from revisit.appointments.models import Appointment, DeskSettings
from revisit.core.audit import record_event
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Organization, Role, Staff, Store
from revisit.customers.models import Customer
from revisit.customers.phones import normalize_phone
from revisit.sales.models import Item

Status = Appointment.Status
WAITING = [Status.ARRIVED]
MAX_LOOKUP = 20


def desk_settings(organization: Organization) -> DeskSettings:
    settings, _created = DeskSettings.objects.get_or_create(organization=organization)
    return settings


def update_desk_settings(
    organization: Organization, *, wait_minutes: int, owner_rule: str, actor: Staff
) -> DeskSettings:
    """Change the wait before another consultant is proposed and the owner rule."""
    if not 1 <= wait_minutes <= 600:
        raise DeskError(_("The waiting time must be from 1 to 600 minutes."))
    if owner_rule not in DeskSettings.OwnerRule.values:
        raise DeskError(_("Choose what happens to the owner."))
    with transaction.atomic():
        settings = desk_settings(organization)
        before = {"wait_minutes": settings.wait_minutes, "owner_rule": settings.owner_rule}
        settings.wait_minutes, settings.owner_rule = wait_minutes, owner_rule
        settings.save()
        record_event(
            organization,
            actor=actor,
            action="desk_settings.edit",
            target=settings,
            settings_before=before,
            settings_after={"wait_minutes": wait_minutes, "owner_rule": owner_rule},
        )
    return settings


def find_customers(customers, text: str):
    """Customers among `customers` matching a mobile number, its last 4 digits, or a code."""
    text = (text or "").strip()[:40]
    if not text:
        return customers.none()
    if text.isdigit() and len(text) == 4:
        return customers.filter(phone_last4=text)[:MAX_LOOKUP]
    match = Q(code=text)
    with contextlib.suppress(ValueError):  # not a phone number: the code alone
        match |= Q(mobile=normalize_phone(text))
    return customers.filter(match)[:MAX_LOOKUP]


def todays_arrivals(store: Store, *, now: datetime | None = None):
    """The store's appointments of today (all but cancelled), in time order."""
    now = now or timezone.now()
    start, end = day_bounds(store.organization, local_date(store.organization, now))
    return (
        Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Status.CANCELLED)
        .select_related("customer", "practitioner", "consultant", "item", "room")
        .annotate(consulted=Count("consultations"))
        .order_by("starts_at", "pk")
    )


def waiting_minutes(appointment: Appointment, now: datetime) -> int | None:
    """Minutes an arrived customer has waited for her consultant (None when not waiting:
    not arrived yet, or already received)."""
    if appointment.status not in WAITING or getattr(appointment, "consulted", 0):
        return None
    since = appointment.consultant_since or appointment.arrived_at
    if since is None:
        return None
    return max(0, int((now - since).total_seconds() // 60))


def propose_consultant(appointment: Appointment, *, now: datetime, wait_minutes: int):
    """Past the waiting limit, the store's consultant (other than the current one) with the
    fewest customers received today; None before the limit or with nobody free."""
    waited = waiting_minutes(appointment, now)
    if waited is None or waited < wait_minutes:
        return None
    start, end = day_bounds(appointment.organization, local_date(appointment.organization, now))
    candidates = (
        store_staff(appointment.store, Role.CONSULTANT)
        .exclude(pk=appointment.consultant_id)
        .annotate(
            received=Count(
                "consultations",
                filter=Q(consultations__held_at__gte=start, consultations__held_at__lt=end),
            )
        )
        .order_by("received", "display_name", "pk")
    )
    return candidates.first()


def assign_consultant(
    appointment: Appointment,
    consultant: Staff,
    *,
    actor: Staff,
    now: datetime | None = None,
) -> Appointment:
    """Make `consultant` the receiving consultant of an arrived customer. When she takes
    over after the customer waited past the limit and the organization moves the owner
    (开发人), the customer's owner becomes the new consultant too."""
    now = now or timezone.now()
    settings = desk_settings(appointment.organization)
    if (
        not consultant.role_assignments.filter(
            role=Role.CONSULTANT, store_id=appointment.store_id
        ).exists()
        or not consultant.is_active
    ):
        raise DeskError(_("%(name)s is not a consultant of this store.") % {"name": consultant})
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in (Status.ARRIVED, Status.IN_TREATMENT):
            raise DeskError(_("A consultant is assigned once the customer has arrived."))
        locked.consulted = locked.consultations.count()
        waited = waiting_minutes(locked, now)
        before = locked.consultant_id
        took_over = before is not None and waited is not None and waited >= settings.wait_minutes
        locked.consultant, locked.consultant_since = consultant, now
        locked.save(update_fields=["consultant", "consultant_since"])
        customer = Customer.objects.select_for_update().get(pk=locked.customer_id)
        owner_moved = False
        if (
            took_over
            and settings.owner_rule == DeskSettings.OwnerRule.MOVE
            and customer.owner_id != consultant.pk
        ):
            owner_before = customer.owner_id
            Customer.objects.filter(pk=customer.pk).update(owner=consultant)
            owner_moved = True
        record_event(
            locked.organization,
            actor=actor,
            action="appointment.consultant",
            target=locked,
            consultant_before=before,
            consultant_after=consultant.pk,
            waited=waited,
            **({"owner_before": owner_before, "owner_after": consultant.pk} if owner_moved else {}),
        )
    return locked


def register_walk_in(
    customer: Customer,
    *,
    store: Store,
    actor: Staff,
    item: Item | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Appointment:
    """A customer came without an appointment: she is at the desk now, arrived, with her
    own consultant receiving her when she has one."""
    now = now or timezone.now()
    if store.organization_id != customer.organization_id:
        raise DeskError(_("This store is not one of the organization's."))
    with transaction.atomic():
        appointment = Appointment.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            store=store,
            staff=actor,
            item=item,
            starts_at=now,
            duration_minutes=60,
            ends_at=now + timedelta(minutes=60),
            source=Appointment.Source.WALK_IN,
            status=Status.ARRIVED,
            arrived_at=now,
            consultant_id=customer.owner_id,
            consultant_since=now,
            note=note.strip()[:200],
            created_at=now,
        )
        record_event(
            customer.organization, actor=actor, action="appointment.walk_in", target=appointment
        )
    return appointment
