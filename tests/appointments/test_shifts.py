"""The roster: overlapping shifts are refused (across midnight and the week's end too),
and a booking must lie inside a shift, outside leave, and free."""

from datetime import UTC, datetime, time, timedelta

import pytest

from revisit.appointments.errors import DeskError
from revisit.appointments.models import Shift
from revisit.appointments.services import book_appointment
from revisit.appointments.shifts import add_leave, add_room, add_shift, spans_overlap, week_span
from revisit.core.models import AuditEvent, Role
from tests.appointments.conftest import MONDAY, at
from tests.factories import make_staff, make_store

pytestmark = pytest.mark.django_db
FRIDAY, SATURDAY = MONDAY + timedelta(days=4), MONDAY + timedelta(days=5)
SUNDAY = MONDAY + timedelta(days=6)


def _book(desk, starts_at, minutes=60, **extra):
    return book_appointment(
        desk["customer"],
        starts_at=starts_at,
        actor=desk["manager"],
        practitioner=desk["doctor"],
        duration_minutes=minutes,
        now=at(MONDAY, 8),
        **extra,
    )


@pytest.mark.parametrize(
    ("weekday", "starts", "ends", "overlaps"),
    [
        (4, time(17), time(21), True),  # into Friday's 20:00 start
        (5, time(1), time(3), True),  # Saturday 01:00 is still Friday's night shift
        (5, time(2), time(8), False),  # Saturday from 02:00: the night shift has ended
        (4, time(18), time(20), False),  # ends exactly when the night shift starts
        (0, time(8), time(9), False),  # Monday before 09:00
        (0, time(17, 30), time(19), True),
        (6, time(22), time(9, 30), True),  # Sunday night into Monday's 09:00 (week wraps)
        (6, time(22), time(9), False),  # … ending at 09:00 sharp is fine
    ],
)
def test_shifts_that_overlap_are_refused_across_midnight(desk, weekday, starts, ends, overlaps):
    args = {"weekday": weekday, "starts": starts, "ends": ends, "actor": desk["manager"]}
    if overlaps:
        with pytest.raises(DeskError, match="overlaps|重叠"):
            add_shift(desk["store"], desk["doctor"], **args)
        assert Shift.objects.filter(practitioner=desk["doctor"]).count() == 2
    else:
        add_shift(desk["store"], desk["doctor"], **args)
        assert AuditEvent.objects.filter(action="shift.add").count() == 3


def test_week_spans_wrap_from_sunday_into_monday():
    sunday_night = week_span(6, time(23), time(1))
    assert sunday_night == (6 * 1440 + 23 * 60, 7 * 1440 + 60)
    assert spans_overlap(sunday_night, week_span(0, time(0, 30), time(2)))
    assert not spans_overlap(sunday_night, week_span(0, time(1), time(2)))


def test_a_shift_at_another_store_counts_and_non_practitioners_have_none(desk):
    other_store = make_store(desk["org"], "S2")
    desk["doctor"].role_assignments.create(role=Role.PRACTITIONER, store=other_store)
    with pytest.raises(DeskError):
        add_shift(
            other_store,
            desk["doctor"],
            weekday=0,
            starts=time(12),
            ends=time(13),
            actor=desk["manager"],
        )
    with pytest.raises(DeskError, match="not a practitioner|不是"):
        add_shift(
            desk["store"],
            desk["consultant"],
            weekday=1,
            starts=time(9),
            ends=time(10),
            actor=desk["manager"],
        )
    with pytest.raises(DeskError):
        add_shift(
            desk["store"],
            desk["doctor"],
            weekday=1,
            starts=time(9),
            ends=time(9),
            actor=desk["manager"],
        )


def test_booking_outside_a_shift_is_refused_with_a_message(desk):
    with pytest.raises(DeskError, match="no shift|排班不包含"):
        _book(desk, at(MONDAY, 8))  # before 09:00
    with pytest.raises(DeskError):
        _book(desk, at(MONDAY, 17, 30))  # runs past 18:00
    with pytest.raises(DeskError):
        _book(desk, at(MONDAY + timedelta(days=1), 10))  # Tuesday: no shift
    assert _book(desk, at(MONDAY, 17)).ends_at == at(MONDAY, 18)


def test_an_overnight_shift_takes_bookings_after_midnight(desk):
    late = _book(desk, at(FRIDAY, 23, 30), minutes=90)  # 23:30–01:00 Saturday
    assert late.ends_at == at(SATURDAY, 1)
    assert _book(desk, at(SATURDAY, 1)).starts_at == at(SATURDAY, 1)
    with pytest.raises(DeskError):
        _book(desk, at(SATURDAY, 1, 30))  # 01:30–02:30 passes the 02:00 end
    with pytest.raises(DeskError):
        _book(desk, at(SUNDAY, 1))  # Saturday has no night shift


def test_overlapping_bookings_of_a_practitioner_or_a_room_are_refused(desk):
    room = add_room(desk["store"], name="诊室 1", actor=desk["manager"])
    _book(desk, at(MONDAY, 10), room=room)
    with pytest.raises(DeskError, match="already|已有"):
        _book(desk, at(MONDAY, 10, 30))
    nurse = make_staff(desk["org"], Role.PRACTITIONER, store=desk["store"])
    add_shift(desk["store"], nurse, weekday=0, starts=time(9), ends=time(18), actor=desk["manager"])
    with pytest.raises(DeskError, match="诊室 1"):
        book_appointment(
            desk["customer"],
            starts_at=at(MONDAY, 10, 30),
            actor=desk["manager"],
            practitioner=nurse,
            room=room,
            now=at(MONDAY, 8),
        )
    assert _book(desk, at(MONDAY, 11)).starts_at == at(MONDAY, 11)  # back to back is fine


def test_leave_blocks_bookings(desk):
    add_leave(
        desk["store"],
        desk["doctor"],
        starts_at=at(MONDAY, 12),
        ends_at=at(MONDAY, 14),
        reason="培训",
        actor=desk["manager"],
    )
    with pytest.raises(DeskError, match="培训"):
        _book(desk, at(MONDAY, 13))
    assert _book(desk, at(MONDAY, 14))
    with pytest.raises(DeskError):
        add_leave(
            desk["store"],
            desk["doctor"],
            starts_at=at(MONDAY, 14),
            ends_at=at(MONDAY, 12),
            reason="",
            actor=desk["manager"],
        )


def test_times_are_shanghai_local_without_daylight_saving(desk):
    """Shanghai has no daylight saving: a summer Monday's 09:00 is 01:00 UTC like a
    winter one, and the shift holds on both."""
    for day in (MONDAY, MONDAY + timedelta(weeks=20)):
        booked = _book(desk, at(day, 9))
        booked.refresh_from_db()
        assert booked.starts_at == datetime.combine(day, time(1), tzinfo=UTC)
