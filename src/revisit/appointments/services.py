"""Appointment services: book, reschedule, and move an appointment through its states
(booked → confirmed → arrived → in treatment → done, or no-show / cancelled). Each is one
transaction and one audit event; a refused change raises DeskError with the reason."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.appointments.errors import DeskError
from revisit.appointments.models import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    Appointment,
    Room,
)
from revisit.appointments.shifts import check_bookable
from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item, Order
from revisit.wallet.course_cards import consume_for_appointment

Status = Appointment.Status
# Where each state may go next; done, no-show and cancelled are final.
TRANSITIONS = {
    Status.BOOKED: {Status.CONFIRMED, Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED},
    Status.CONFIRMED: {Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED},
    Status.ARRIVED: {Status.IN_TREATMENT, Status.DONE},
    Status.IN_TREATMENT: {Status.DONE},
    Status.DONE: set(),
    Status.NO_SHOW: set(),
    Status.CANCELLED: set(),
}
MAX_DAYS_AHEAD = 3 * 366
RESCHEDULABLE = {Status.BOOKED, Status.CONFIRMED}


def _check_time(starts_at: datetime, duration_minutes: int, now: datetime) -> None:
    if timezone.is_naive(starts_at):
        raise DeskError(_("The appointment time needs a time zone."))
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        raise DeskError(
            _("The duration must be from %(min)s to %(max)s minutes.")
            % {"min": MIN_DURATION_MINUTES, "max": MAX_DURATION_MINUTES}
        )
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise DeskError(_("An appointment can be booked at most three years ahead."))


def _check_place(organization_id, store, room, item) -> None:
    if store is not None and store.organization_id != organization_id:
        raise DeskError(_("This store is not one of the organization's."))
    if room is not None and (store is None or room.store_id != store.pk):
        raise DeskError(_("This room is not one of the store's."))
    if item is not None and item.organization_id != organization_id:
        raise DeskError(_("This item is not in the organization's catalog."))


def book_appointment(
    customer: Customer,
    *,
    starts_at: datetime,
    actor: Staff,
    store: Store | None = None,
    practitioner: Staff | None = None,
    room: Room | None = None,
    item: Item | None = None,
    duration_minutes: int = 60,
    source: str = Appointment.Source.DESK,
    note: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book a time for the customer at her home store (or `store`); with a practitioner
    or a room, the time must lie in her shift and be free (see shifts.check_bookable)."""
    now = now or timezone.now()
    store = store or customer.home_store
    _check_time(starts_at, duration_minutes, now)
    _check_place(customer.organization_id, store, room, item)
    if practitioner is not None and store is None:
        raise DeskError(_("Choose the store first."))
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    with transaction.atomic():
        if store is not None and (practitioner is not None or room is not None):
            check_bookable(
                store=store,
                starts_at=starts_at,
                ends_at=ends_at,
                practitioner=practitioner,
                room=room,
            )
        appointment = Appointment.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            store=store,
            staff=actor,
            practitioner=practitioner,
            room=room,
            item=item,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            ends_at=ends_at,
            source=source,
            note=note.strip()[:200],
            created_at=now,
        )
        record_event(
            customer.organization,
            actor=actor,
            action="appointment.book",
            target=appointment,
            starts_at=starts_at.isoformat(),
            booking_source=source,
        )
    return appointment


def reschedule_appointment(
    appointment: Appointment,
    *,
    actor: Staff,
    starts_at: datetime,
    duration_minutes: int | None = None,
    practitioner: Staff | None = None,
    room: Room | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked or confirmed appointment to another time, practitioner or room; a
    confirmed one goes back to booked (the customer confirms the new time)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("store")
            .get(pk=appointment.pk)
        )
        if locked.status not in RESCHEDULABLE:
            raise DeskError(
                _("An appointment that is %(status)s cannot be moved.")
                % {"status": locked.get_status_display()}
            )
        duration = duration_minutes or locked.duration_minutes
        _check_time(starts_at, duration, now)
        _check_place(locked.organization_id, locked.store, room, None)
        ends_at = starts_at + timedelta(minutes=duration)
        if locked.store is not None and (practitioner is not None or room is not None):
            check_bookable(
                store=locked.store,
                starts_at=starts_at,
                ends_at=ends_at,
                practitioner=practitioner,
                room=room,
                exclude=locked.pk,
            )
        before = locked.starts_at.isoformat()
        locked.starts_at, locked.ends_at, locked.duration_minutes = starts_at, ends_at, duration
        locked.practitioner, locked.room = practitioner, room
        locked.status = Status.BOOKED
        locked.save()
        record_event(
            locked.organization,
            actor=actor,
            action="appointment.reschedule",
            target=locked,
            before=before,
            after=starts_at.isoformat(),
        )
    return locked


def transition(
    appointment: Appointment,
    to: str,
    *,
    actor: Staff,
    reason: str = "",
    now: datetime | None = None,
    **fields,
) -> Appointment:
    """Move the appointment to state `to` if its current state allows it (TRANSITIONS)."""
    if to not in Status.values:
        raise DeskError(_("Unknown appointment state."))
    now = now or timezone.now()
    reason = (reason or "").strip()
    if to == Status.CANCELLED and not reason:
        raise DeskError(_("Give the reason for the cancellation."))
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if to not in TRANSITIONS[locked.status]:
            raise DeskError(
                _("An appointment that is %(before)s cannot become %(after)s.")
                % {"before": locked.get_status_display(), "after": Status(to).label}
            )
        before = locked.status
        locked.status = to
        if to == Status.CANCELLED:
            locked.cancel_reason = reason[:200]
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.save()
        record_event(
            locked.organization,
            actor=actor,
            action=f"appointment.{to}",
            target=locked,
            status_before=before,
            **({"reason": reason[:200]} if reason else {}),
        )
        if to == Status.DONE:
            # A course card covering the item gives one session, once per appointment.
            consume_for_appointment(locked, actor=actor, now=now)
    return locked


def confirm_appointment(appointment: Appointment, *, actor: Staff) -> Appointment:
    """The customer confirmed (the day before, at the 18:00 review)."""
    return transition(appointment, Status.CONFIRMED, actor=actor)


def cancel_appointment(appointment: Appointment, *, actor: Staff, reason: str) -> Appointment:
    return transition(appointment, Status.CANCELLED, actor=actor, reason=reason)


def mark_no_show(appointment: Appointment, *, actor: Staff) -> Appointment:
    return transition(appointment, Status.NO_SHOW, actor=actor)


def mark_arrived(appointment: Appointment, *, actor: Staff, now=None) -> Appointment:
    """The customer came: record the time, hand her to her own consultant (when she has
    one) and link her orders of that day at that store."""
    now = now or timezone.now()
    owner_id = appointment.customer.owner_id
    arrived = transition(
        appointment,
        Status.ARRIVED,
        actor=actor,
        now=now,
        arrived_at=now,
        consultant_id=appointment.consultant_id or owner_id,
        consultant_since=now,
    )
    link_orders(arrived)
    return arrived


def start_treatment(appointment: Appointment, *, actor: Staff, now=None) -> Appointment:
    now = now or timezone.now()
    return transition(
        appointment, Status.IN_TREATMENT, actor=actor, now=now, treatment_started_at=now
    )


def link_orders(appointment: Appointment) -> int:
    """Link the customer's orders on the appointment's local day (and store, when set)."""
    day = local_date(appointment.organization, appointment.starts_at)
    orders = Order.objects.filter(customer=appointment.customer, order_date=day)
    if appointment.store_id:
        orders = orders.filter(store_id=appointment.store_id)
    appointment.orders.add(*orders)
    return orders.count()
