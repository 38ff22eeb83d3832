"""Query parameters from the address bar, checked once: a value a user (or a hostile
client) types answers 400 with a message in the user's language, never a 500 from a
number too large for the database or a date that does not exist."""

from datetime import date

from django.core.exceptions import BadRequest
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

# Pages past this are never real (a million rows at 10 000 pages of 100) and would
# overflow the database's offset.
MAX_PAGE = 100_000
# Dates outside these bounds are typing mistakes; inside them, a day's neighbours
# (the report's "previous" and "next" links) always exist.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)


class BadParameter(BadRequest):
    """A query parameter that cannot be used; the message is shown on the 400 page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_page(raw: str | None) -> int:
    """A page number from 1 to MAX_PAGE; missing or empty is the first page."""
    raw = (raw or "").strip()
    if not raw:
        return 1
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    raise BadParameter(
        _("The page number must be a whole number from 1 to %(max)s.") % {"max": MAX_PAGE}
    )


def parse_day(raw: str | None, *, default: date) -> date:
    """A date written YYYY-MM-DD between FIRST_DAY and LAST_DAY; missing or empty is
    `default`."""
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        day = parse_date(raw)
    except ValueError:  # well formed but not a real day, like 2024-02-30
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise BadParameter(
            _("“%(value)s” is not a date from %(first)s to %(last)s (write it as YYYY-MM-DD).")
            % {"value": raw[:40], "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return day
