"""Every appointment state change: the allowed ones happen and are audited, the refused
ones leave the appointment as it was and say why."""

from datetime import timedelta

import pytest

from revisit.appointments.errors import DeskError
from revisit.appointments.models import Appointment
from revisit.appointments.services import (
    TRANSITIONS,
    book_appointment,
    cancel_appointment,
    mark_arrived,
    reschedule_appointment,
    transition,
)
from revisit.core.models import AuditEvent
from tests.appointments.conftest import MONDAY, at

pytestmark = pytest.mark.django_db
Status = Appointment.Status

# How to bring a fresh booking into each state.
PATHS = {
    Status.BOOKED: [],
    Status.CONFIRMED: [Status.CONFIRMED],
    Status.ARRIVED: [Status.ARRIVED],
    Status.IN_TREATMENT: [Status.ARRIVED, Status.IN_TREATMENT],
    Status.DONE: [Status.ARRIVED, Status.DONE],
    Status.NO_SHOW: [Status.NO_SHOW],
    Status.CANCELLED: [Status.CANCELLED],
}


def _in_state(desk, state, hour=10):
    appointment = book_appointment(
        desk["customer"],
        starts_at=at(MONDAY, hour),
        actor=desk["manager"],
        practitioner=desk["doctor"],
        now=at(MONDAY, 8),
    )
    for step in PATHS[state]:
        appointment = transition(appointment, step, actor=desk["manager"], reason="有事")
    return appointment


@pytest.mark.parametrize("before", list(Status))
@pytest.mark.parametrize("after", list(Status))
def test_each_state_change_is_allowed_or_refused_with_a_message(desk, before, after):
    appointment = _in_state(desk, before)
    events = AuditEvent.objects.filter(target_id=str(appointment.pk)).count()
    if after in TRANSITIONS[before]:
        changed = transition(appointment, after, actor=desk["manager"], reason="客户改期")
        assert changed.status == after
        assert AuditEvent.objects.filter(
            target_id=str(appointment.pk), action=f"appointment.{after}"
        ).exists()
    else:
        with pytest.raises(DeskError) as refused:
            transition(appointment, after, actor=desk["manager"], reason="客户改期")
        assert "cannot become" in str(refused.value) or "不能" in str(refused.value)
        appointment.refresh_from_db()
        assert appointment.status == before
        assert AuditEvent.objects.filter(target_id=str(appointment.pk)).count() == events


def test_the_allowed_changes_are_the_desks_lifecycle():
    assert TRANSITIONS[Status.BOOKED] == {
        Status.CONFIRMED,
        Status.ARRIVED,
        Status.NO_SHOW,
        Status.CANCELLED,
    }
    assert TRANSITIONS[Status.ARRIVED] == {Status.IN_TREATMENT, Status.DONE}
    assert all(not TRANSITIONS[s] for s in (Status.DONE, Status.NO_SHOW, Status.CANCELLED))


def test_a_cancellation_needs_a_reason_and_keeps_it(desk):
    appointment = _in_state(desk, Status.BOOKED)
    with pytest.raises(DeskError):
        cancel_appointment(appointment, actor=desk["manager"], reason="  ")
    cancelled = cancel_appointment(appointment, actor=desk["manager"], reason="临时出差")
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, "临时出差")
    event = AuditEvent.objects.get(action="appointment.cancelled", target_id=str(appointment.pk))
    assert event.data["reason"] == "临时出差" and event.actor == desk["manager"]


def test_arrival_hands_the_customer_to_her_own_consultant(desk):
    appointment = _in_state(desk, Status.CONFIRMED)
    arrived = mark_arrived(appointment, actor=desk["manager"], now=at(MONDAY, 9, 55))
    assert arrived.consultant == desk["consultant"]
    assert arrived.arrived_at == at(MONDAY, 9, 55)


def test_a_cancelled_slot_can_be_booked_again_and_an_open_one_cannot(desk):
    first = _in_state(desk, Status.BOOKED)
    with pytest.raises(DeskError, match="already has an appointment|已有预约"):
        _in_state(desk, Status.BOOKED)
    cancel_appointment(first, actor=desk["manager"], reason="改期")
    assert _in_state(desk, Status.BOOKED).pk != first.pk


def test_reschedule_moves_the_time_and_asks_for_confirmation_again(desk):
    appointment = _in_state(desk, Status.CONFIRMED)
    moved = reschedule_appointment(
        appointment,
        actor=desk["manager"],
        starts_at=at(MONDAY, 14),
        practitioner=desk["doctor"],
        now=at(MONDAY, 8),
    )
    assert moved.starts_at == at(MONDAY, 14) and moved.ends_at == at(MONDAY, 15)
    assert moved.status == Status.BOOKED
    arrived = transition(moved, Status.ARRIVED, actor=desk["manager"])
    with pytest.raises(DeskError):
        reschedule_appointment(arrived, actor=desk["manager"], starts_at=at(MONDAY, 16))


@pytest.mark.parametrize("minutes", [0, 4, 12 * 60 + 1, 10**9])
def test_durations_outside_five_minutes_to_twelve_hours_are_refused(desk, minutes):
    with pytest.raises(DeskError, match="duration|时长"):
        book_appointment(
            desk["customer"],
            starts_at=at(MONDAY, 10),
            actor=desk["manager"],
            duration_minutes=minutes,
        )


def test_bookings_far_ahead_or_without_time_zone_are_refused(desk):
    with pytest.raises(DeskError):
        book_appointment(
            desk["customer"],
            starts_at=at(MONDAY, 10) + timedelta(days=4 * 365),
            actor=desk["manager"],
            now=at(MONDAY, 8),
        )
    with pytest.raises(DeskError):
        book_appointment(
            desk["customer"], starts_at=at(MONDAY, 10).replace(tzinfo=None), actor=desk["manager"]
        )
