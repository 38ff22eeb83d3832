"""The calendar of a store: a day or a week, one row per practitioner or per room, each
cell the appointments of that day with the practitioner's shift hours."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from revisit.appointments.access import store_staff
from revisit.appointments.models import Appointment, Room, Shift
from revisit.appointments.shifts import shift_windows
from revisit.core.clock import day_bounds, org_zone
from revisit.core.models import Role, Store

BY = ("practitioner", "room")
STATUS_LABELS = dict(Appointment.Status.choices)
SOURCE_LABELS = dict(Appointment.Source.choices)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def calendar_grid(store: Store, appointments, *, first_day: date, days: int, by: str) -> dict:
    """Rows (practitioners or rooms, then "unassigned") × `days` days from `first_day`.
    `appointments` is the viewer's scope; cancelled appointments are left out."""
    organization = store.organization
    zone = org_zone(organization)
    last_day = first_day + timedelta(days=days - 1)
    start, _e = day_bounds(organization, first_day)
    _s, end = day_bounds(organization, last_day)
    field = "practitioner_id" if by == "practitioner" else "room_id"
    if by == "practitioner":
        resources = [(s.pk, str(s)) for s in store_staff(store, Role.PRACTITIONER)]
    else:
        resources = [(r.pk, r.name) for r in Room.objects.filter(store=store)]
    known = {pk for pk, _n in resources}
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    cells: dict[tuple, list] = {}
    rows = (
        appointments.filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list(
            "pk",
            "starts_at",
            "ends_at",
            "status",
            "source",
            field,
            "customer__name",
            "customer__code",
            "item__name",
            "staff__display_name",
        )
        .order_by("starts_at", "pk")
    )
    unassigned = False
    for pk, starts, ends, status, source, resource, name, code, item, booked_by in rows:
        local = starts.astimezone(zone)
        if resource not in known:
            resource, unassigned = None, True
        cells.setdefault((resource, local.date()), []).append(
            {
                "pk": pk,
                "time": f"{local:%H:%M}–{ends.astimezone(zone):%H:%M}",
                "status": status,
                "status_label": STATUS_LABELS.get(status, ""),
                "source_label": SOURCE_LABELS.get(source, ""),
                "customer": name or code,
                "item": item or "",
                "booked_by": booked_by or "",
            }
        )
    hours: dict[tuple, list[str]] = {}
    if by == "practitioner":
        shifts = Shift.objects.filter(store=store, practitioner_id__in=known)
        for w_start, w_end, shift in shift_windows(shifts, organization, first_day, last_day):
            day = w_start.date()
            if first_day <= day <= last_day:
                hours.setdefault((shift.practitioner_id, day), []).append(
                    f"{w_start:%H:%M}–{w_end:%H:%M}"
                )
    table = []
    for pk, label in [*resources, *([(None, "—")] if unassigned else [])]:
        table.append(
            {
                "pk": pk,
                "label": label,
                "cells": [
                    {
                        "day": day,
                        "hours": hours.get((pk, day), []),
                        "items": cells.get((pk, day), []),
                    }
                    for day in day_list
                ],
            }
        )
    return {"days": day_list, "rows": table, "first_day": first_day, "last_day": last_day}


def free_slots(store: Store, practitioner_id: int, day: date, booked: list[dict]) -> list[str]:
    """Whole and half hours in the practitioner's shifts on `day` not taken by `booked`
    (for the day view's click-to-book links)."""
    organization = store.organization
    shifts = Shift.objects.filter(store=store, practitioner_id=practitioner_id)
    taken = [tuple(item["time"].split("–")) for item in booked]
    now = timezone.now()
    slots = []
    for w_start, w_end, _shift in shift_windows(shifts, organization, day, day):
        moment = w_start
        while moment + timedelta(minutes=30) <= w_end:
            if moment.date() == day and moment >= now - timedelta(minutes=30):
                label = f"{moment:%H:%M}"
                if not any(a <= label < b for a, b in taken):
                    slots.append(label)
            moment += timedelta(minutes=30)
    return slots


def tomorrow_list(appointments, store: Store, day: date):
    """The appointments of `day` at `store` for the 18:00 review: time, customer, item,
    practitioner, booked by, state."""
    start, end = day_bounds(store.organization, day)
    return (
        appointments.filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("customer", "item", "practitioner", "room", "staff")
        .order_by("starts_at", "pk")
    )


def parse_local(day: date, hhmm: str, zone) -> datetime:
    hour, minute = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=zone)
