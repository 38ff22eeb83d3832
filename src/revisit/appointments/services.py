"""Appointment services: book, confirm, cancel, mark arrival (linking the day's orders)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from revisit.appointments.models import Appointment
from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Staff
from revisit.customers.models import Customer
from revisit.sales.models import Order


def book_appointment(
    customer: Customer,
    *,
    starts_at: datetime,
    actor: Staff,
    store=None,
    practitioner=None,
    note: str = "",
    now=None,
) -> Appointment:
    """Book a time for the customer at her home store (or `store`)."""
    if timezone.is_naive(starts_at):
        raise ValueError("预约时间需要带时区 (appointment time must be timezone-aware)")
    with transaction.atomic():
        appointment = Appointment.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            store=store or customer.home_store,
            staff=actor,
            practitioner=practitioner,
            starts_at=starts_at,
            note=note,
            created_at=now or timezone.now(),
        )
        record_event(
            customer.organization,
            actor=actor,
            action="appointment.book",
            target=appointment,
            starts_at=starts_at.isoformat(),
        )
    return appointment


def _set_status(appointment: Appointment, status: str, *, actor: Staff, **fields) -> Appointment:
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status in (Appointment.Status.ARRIVED, Appointment.Status.CANCELLED):
            raise ValueError("该预约已结束，不能再修改 (appointment already closed)")
        locked.status = status
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.save()
        record_event(
            locked.organization, actor=actor, action=f"appointment.{status}", target=locked
        )
    return locked


def confirm_appointment(appointment: Appointment, *, actor: Staff) -> Appointment:
    """The customer confirmed the day before."""
    return _set_status(appointment, Appointment.Status.CONFIRMED, actor=actor)


def cancel_appointment(appointment: Appointment, *, actor: Staff) -> Appointment:
    return _set_status(appointment, Appointment.Status.CANCELLED, actor=actor)


def mark_no_show(appointment: Appointment, *, actor: Staff) -> Appointment:
    return _set_status(appointment, Appointment.Status.NO_SHOW, actor=actor)


def mark_arrived(appointment: Appointment, *, actor: Staff, now=None) -> Appointment:
    """The customer came: record the time and link her orders of that day at that store."""
    now = now or timezone.now()
    arrived = _set_status(appointment, Appointment.Status.ARRIVED, actor=actor, arrived_at=now)
    link_orders(arrived)
    return arrived


def link_orders(appointment: Appointment) -> int:
    """Link the customer's orders on the appointment's local day (and store, when set)."""
    day = local_date(appointment.organization, appointment.starts_at)
    orders = Order.objects.filter(customer=appointment.customer, order_date=day)
    if appointment.store_id:
        orders = orders.filter(store_id=appointment.store_id)
    appointment.orders.add(*orders)
    return orders.count()
