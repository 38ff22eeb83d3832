"""Cadences: when to contact a customer again, computed from rows of data."""

import calendar
from datetime import date, timedelta

from revisit.core.models import Organization
from revisit.outreach.models import Cadence

DEFAULT_CADENCES = [
    ("intent_1", "一级意向：当天、第 7 天、第 20 天", "offsets", [0, 7, 20], 0),
    ("intent_2", "二级意向：次月起每月 10 日、20 日", "month_days", [10, 20], 1),
    ("intent_3", "三级意向：第三个月起每月一次", "month_days", [], 2),
    ("revisit:注射", "注射项目术后回访：第 1、7、30 天", "offsets", [1, 7, 30], 0),
    ("revisit:眼部整形", "眼部手术术后回访：第 1、7、30、90 天", "offsets", [1, 7, 30, 90], 0),
]
MAX_MONTHS = 24  # how far a monthly cadence is followed


def install_default_cadences(organization: Organization) -> int:
    """Add the default cadences the organization does not have yet."""
    existing = set(Cadence.objects.filter(organization=organization).values_list("key", flat=True))
    new = [
        Cadence(
            organization=organization, key=key, name=name, kind=kind, days=days, start_months=start
        )
        for key, name, kind, days, start in DEFAULT_CADENCES
        if key not in existing
    ]
    Cadence.objects.bulk_create(new)
    return len(new)


def _month_day(year: int, month: int, day: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def cadence_dates(cadence: Cadence, anchor: date):
    """Every contact date of the cadence counted from `anchor`, in order."""
    if cadence.kind == Cadence.Kind.OFFSETS:
        for days in sorted(cadence.days):
            yield anchor + timedelta(days=days)
        return
    days = sorted(cadence.days) or [anchor.day]
    for months in range(cadence.start_months, cadence.start_months + MAX_MONTHS):
        for day in days:
            yield _month_day(anchor.year, anchor.month + months, day)


def next_contact(cadence: Cadence, anchor: date, *, after: date) -> date | None:
    """The first contact date of the cadence strictly after `after` (None when done)."""
    return next((d for d in cadence_dates(cadence, anchor) if d > after), None)
