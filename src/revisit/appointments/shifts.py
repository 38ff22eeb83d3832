"""The practitioners' weekly roster (排班) and leave, and whether a time can be booked.

A shift is a weekday and hours in the organization's time zone (Asia/Shanghai by default,
which has no daylight saving); an end at or before the start runs past midnight. On the
roster, a week is 7 × 1440 minutes that wrap around (Sunday night runs into Monday).
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from revisit.appointments.errors import DeskError
from revisit.appointments.models import Appointment, Leave, Room, Shift
from revisit.core.audit import record_event
from revisit.core.clock import org_zone
from revisit.core.models import Role, Staff, Store

WEEK = 7 * 1440
OPEN = [Appointment.Status.BOOKED, Appointment.Status.CONFIRMED, Appointment.Status.ARRIVED]
OPEN += [Appointment.Status.IN_TREATMENT]
MAX_LEAVE_DAYS = 366


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def week_span(weekday: int, starts: time, ends: time) -> tuple[int, int]:
    """[start, end) in minutes from Monday 00:00; end may pass the week's end."""
    start = weekday * 1440 + _minutes(starts)
    length = (_minutes(ends) - _minutes(starts)) % 1440 or 1440
    return start, start + length


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Do two week spans overlap, counting the wrap from Sunday into Monday?"""
    return any(a[0] < b[1] + shift and b[0] + shift < a[1] for shift in (-WEEK, 0, WEEK))


def _check_practitioner(store: Store, practitioner: Staff) -> None:
    if not practitioner.role_assignments.filter(role=Role.PRACTITIONER, store=store).exists():
        raise DeskError(
            _("%(name)s is not a practitioner of %(store)s.")
            % {"name": practitioner, "store": store}
        )


def add_shift(
    store: Store, practitioner: Staff, *, weekday: int, starts: time, ends: time, actor: Staff
) -> Shift:
    """Put a weekday's hours on the practitioner's roster at `store`; refused when they
    overlap another of her shifts (at any store), across midnight too."""
    if weekday not in range(7):
        raise DeskError(_("Choose a weekday."))
    if starts == ends:
        raise DeskError(_("A shift needs different start and end times."))
    _check_practitioner(store, practitioner)
    new = week_span(weekday, starts, ends)
    with transaction.atomic():
        # Lock the practitioner's row so two managers cannot add overlapping shifts at once.
        Staff.objects.select_for_update().filter(pk=practitioner.pk).first()
        for other in Shift.objects.filter(practitioner=practitioner).select_related("store"):
            if spans_overlap(new, week_span(other.weekday, other.starts, other.ends)):
                raise DeskError(
                    _("This overlaps %(name)s’s shift %(shift)s at %(store)s.")
                    % {"name": practitioner, "shift": other, "store": other.store}
                )
        shift = Shift.objects.create(
            organization_id=store.organization_id,
            store=store,
            practitioner=practitioner,
            weekday=weekday,
            starts=starts,
            ends=ends,
        )
        record_event(
            store.organization,
            actor=actor,
            action="shift.add",
            target=shift,
            practitioner=practitioner.pk,
            weekday=weekday,
            starts=starts.strftime("%H:%M"),
            ends=ends.strftime("%H:%M"),
        )
    return shift


def remove_shift(shift: Shift, *, actor: Staff) -> None:
    """Take a line off the roster (booked appointments stay)."""
    with transaction.atomic():
        record_event(
            shift.store.organization,
            actor=actor,
            action="shift.remove",
            target=shift,
            practitioner=shift.practitioner_id,
            weekday=shift.weekday,
        )
        shift.delete()


def add_leave(
    store: Store,
    practitioner: Staff,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor: Staff,
) -> Leave:
    """Record that the practitioner is away; bookings in that time are refused."""
    _check_practitioner(store, practitioner)
    if ends_at <= starts_at:
        raise DeskError(_("The leave must end after it starts."))
    if ends_at - starts_at > timedelta(days=MAX_LEAVE_DAYS):
        raise DeskError(_("Leave longer than a year cannot be entered here."))
    with transaction.atomic():
        leave = Leave.objects.create(
            organization_id=store.organization_id,
            store=store,
            practitioner=practitioner,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip()[:200],
        )
        record_event(
            store.organization,
            actor=actor,
            action="leave.add",
            target=leave,
            practitioner=practitioner.pk,
            reason=leave.reason,
        )
    return leave


def remove_leave(leave: Leave, *, actor: Staff) -> None:
    with transaction.atomic():
        record_event(leave.store.organization, actor=actor, action="leave.remove", target=leave)
        leave.delete()


def add_room(store: Store, *, name: str, actor: Staff) -> Room:
    """Add a room or chair to the store's settings."""
    name = name.strip()
    if not name or len(name) > 50:
        raise DeskError(_("A room needs a name of at most 50 characters."))
    with transaction.atomic():
        if Room.objects.filter(store=store, name=name).exists():
            raise DeskError(
                _("%(store)s already has a room called %(name)s.") % {"store": store, "name": name}
            )
        position = Room.objects.filter(store=store).count()
        room = Room.objects.create(
            organization_id=store.organization_id, store=store, name=name, position=position
        )
        record_event(store.organization, actor=actor, action="room.add", target=room, name=name)
    return room


def remove_room(room: Room, *, actor: Staff) -> None:
    """Remove a room; its appointments keep their time and lose the room."""
    with transaction.atomic():
        record_event(
            room.store.organization, actor=actor, action="room.remove", target=room, name=room.name
        )
        room.delete()


def shift_windows(
    shifts, organization, first_day, last_day
) -> list[tuple[datetime, datetime, Shift]]:
    """The concrete [start, end) of `shifts` on the days from the day before `first_day`
    (whose overnight shifts reach into it) to `last_day`."""
    zone = org_zone(organization)
    by_weekday: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_weekday.setdefault(shift.weekday, []).append(shift)
    windows = []
    day = first_day - timedelta(days=1)
    while day <= last_day:
        for shift in by_weekday.get(day.weekday(), []):
            start = datetime.combine(day, shift.starts, tzinfo=zone)
            end = datetime.combine(day, shift.ends, tzinfo=zone)
            if shift.overnight:
                end += timedelta(days=1)
            windows.append((start, end, shift))
        day += timedelta(days=1)
    return windows


def check_bookable(
    *,
    store: Store,
    starts_at: datetime,
    ends_at: datetime,
    practitioner: Staff | None,
    room: Room | None,
    exclude: int | None = None,
) -> None:
    """Refuse (DeskError) a time outside the practitioner's shifts at `store`, in her
    leave, or overlapping another open appointment of hers or of the room."""
    organization = store.organization
    zone = org_zone(organization)
    if practitioner is not None:
        _check_practitioner(store, practitioner)
        local_start = starts_at.astimezone(zone)
        windows = shift_windows(
            Shift.objects.filter(practitioner=practitioner, store=store),
            organization,
            local_start.date(),
            ends_at.astimezone(zone).date(),
        )
        if not any(start <= starts_at and ends_at <= end for start, end, _s in windows):
            raise DeskError(
                _("%(name)s has no shift at %(store)s covering %(start)s–%(end)s.")
                % {
                    "name": practitioner,
                    "store": store,
                    "start": f"{local_start:%Y-%m-%d %H:%M}",
                    "end": f"{ends_at.astimezone(zone):%H:%M}",
                }
            )
        away = Leave.objects.filter(
            practitioner=practitioner, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if away is not None:
            raise DeskError(
                _("%(name)s is on leave then (%(reason)s).")
                % {"name": practitioner, "reason": away.reason or "—"}
            )
    clash_filters = []
    if practitioner is not None:
        clash_filters.append(({"practitioner": practitioner}, str(practitioner)))
    if room is not None:
        clash_filters.append(({"room": room}, str(room)))
    for lookup, who in clash_filters:
        clash = (
            Appointment.objects.filter(
                status__in=OPEN, starts_at__lt=ends_at, ends_at__gt=starts_at, **lookup
            )
            .exclude(pk=exclude)
            .first()
        )
        if clash is not None:
            raise DeskError(
                _("%(who)s already has an appointment at %(time)s.")
                % {"who": who, "time": f"{clash.starts_at.astimezone(zone):%Y-%m-%d %H:%M}"}
            )


DEMO_ROOMS = ["诊室 1", "诊室 2", "治疗床 1"]


def install_demo_roster(organization) -> None:
    """A roster to start from: each practitioner Monday to Saturday 09:00–18:00 at her
    store, and three rooms per store (the demo; real rosters are kept on the page)."""
    from revisit.core.models import RoleAssignment

    stores = list(Store.objects.filter(organization=organization))
    Room.objects.bulk_create(
        Room(organization=organization, store=s, name=name, position=i)
        for s in stores
        for i, name in enumerate(DEMO_ROOMS)
    )
    Shift.objects.bulk_create(
        Shift(
            organization=organization,
            store_id=a.store_id,
            practitioner_id=a.staff_id,
            weekday=day,
            starts=time(9),
            ends=time(18),
        )
        for a in RoleAssignment.objects.filter(
            staff__organization=organization, role=Role.PRACTITIONER
        )
        for day in range(6)
    )
