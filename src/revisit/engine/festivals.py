"""The festival calendar of timed journeys: solar and lunar holidays for any year, and
the lunar (month, day) of a solar date. No Django.

Lunar dates come from lunar-python (months 1–12; a leap month is negative there).

Lunar birthdays and anniversaries are stored as a date whose month and day are the
lunar month and day (a card says "农历八月十五" as 08-15). Each year they are read as:

- the regular (non-leap) month of that number: a birthday falls in the regular month
  even in a year where a leap month of the same number follows it, and a customer born
  in a leap month is greeted in the regular month of that number (the common custom);
- day 30 in a year whose month has only 29 days is celebrated on day 29 (the month's
  last day), so it is never skipped;
- a solar 29 February is celebrated on 28 February in a common year.
"""

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, LunarMonth, Solar

# code → (kind, month, day); "lunar" dates are (lunar month, lunar day), "nth_sunday" is
# (month, n). Names are in revisit.journeys.models.Holiday.
HOLIDAYS = {
    "new_year": ("solar", 1, 1),  # 元旦
    "spring": ("lunar", 1, 1),  # 春节
    "valentine": ("solar", 2, 14),  # 情人节
    "labour": ("solar", 5, 1),  # 劳动节
    "dragon_boat": ("lunar", 5, 5),  # 端午节
    "father": ("nth_sunday", 6, 3),  # 父亲节: the third Sunday of June
    "army": ("solar", 8, 1),  # 建军节
    "teacher": ("solar", 9, 10),  # 教师节
    "mid_autumn": ("lunar", 8, 15),  # 中秋节
    "national": ("solar", 10, 1),  # 国庆节
    "christmas": ("solar", 12, 25),  # 圣诞节
}
# Holidays for one occupation only (customers whose card names it).
HOLIDAY_OCCUPATION = {"army": "soldier", "teacher": "teacher"}


@lru_cache(maxsize=4096)
def holiday_on(code: str, year: int) -> date:
    """The solar date of holiday `code` in solar year `year`."""
    kind, month, day = HOLIDAYS[code]
    if kind == "solar":
        return date(year, month, day)
    if kind == "lunar":
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())
    first = date(year, month, 1)
    first_sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return first_sunday + timedelta(weeks=day - 1)


@lru_cache(maxsize=4096)
def lunar_month_days(year: int, month: int) -> int:
    """Days (29 or 30) of the regular lunar month `month` of lunar year `year`."""
    return LunarMonth.fromYm(year, month).getDayCount()


@lru_cache(maxsize=800)
def lunar_of(day: date) -> tuple[int, int, int]:
    """(lunar year, lunar month, lunar day) of a solar date; the month is negative in a
    leap month."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return lunar.getYear(), lunar.getMonth(), lunar.getDay()


def lunar_keys(day: date) -> list[tuple[int, int]]:
    """The stored lunar (month, day) keys celebrated on solar `day`: none in a leap month,
    and on the last day of a 29-day month both (m, 29) and (m, 30)."""
    year, month, lday = lunar_of(day)
    if month < 0:
        return []
    keys = [(month, lday)]
    if lday == 29 and lunar_month_days(year, month) == 29:
        keys.append((month, 30))
    return keys


def solar_keys(day: date) -> list[tuple[int, int]]:
    """The stored solar (month, day) keys celebrated on `day`: 29 February is kept on 28
    February in a common year."""
    keys = [(day.month, day.day)]
    if day.month == 2 and day.day == 28 and not _leap(day.year):
        keys.append((2, 29))
    return keys


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
