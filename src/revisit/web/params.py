"""Query parameters from the address bar, checked once: a value a user (or a hostile
client) types answers 400 (or 404 for a page past the end) with a message in the user's
language, never a 500 from a number too large for the database or a date that does not
exist."""

import re
from datetime import date
from functools import wraps

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

# Pages past this are never real (a million rows at 10 000 pages of 100) and would
# overflow the database's offset.
MAX_PAGE = 100_000
MAX_ID = 2**63 - 1  # database ids are 64-bit: a longer number names nothing
# Dates outside these bounds are typing mistakes; inside them, a day's neighbours
# (the report's "previous" and "next" links) always exist.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)


class BadParameter(BadRequest):
    """A query parameter that cannot be used; the message is shown on the error page
    (400 through the handler, or `status` through `answers_bad_parameters`)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


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


MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(raw: str | None, *, default: date) -> date:
    """The first day of a month written YYYY-MM; missing or empty is `default`'s."""
    raw = (raw or "").strip()
    if not raw:
        return default.replace(day=1)
    match = MONTH.match(raw) if len(raw) <= 7 else None
    if match and FIRST_DAY.year <= int(match[1]) <= LAST_DAY.year and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    raise BadParameter(_("“%(value)s” is not a month (write it as YYYY-MM).") % {"value": raw[:40]})


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


def id_param(value: str | None, *, required: bool = True) -> int | None:
    """A record id from the query string; None when absent and not required."""
    value = (value or "").strip()
    if not value and not required:
        return None
    # Length first: Python refuses to convert more than 4,300 digits (a ValueError, a 500).
    if (
        not value.isascii()
        or not value.isdigit()
        or len(value) > len(str(MAX_ID))
        or not 0 < int(value) <= MAX_ID
    ):
        raise BadParameter(_("“%(value)s” is not a valid number.") % {"value": value[:40]})
    return int(value)


def page_param(value: str | None, paginator):
    """The requested page of `paginator` (the first when absent)."""
    number = id_param(value, required=False) or 1
    if number > paginator.num_pages:
        raise BadParameter(_("There is no page %(number)s.") % {"number": number}, status=404)
    return paginator.page(number)


def answers_bad_parameters(view):
    """View decorator: a BadParameter becomes a page with its message and status."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadParameter as exc:
            return render(
                request, "web/bad_parameter.html", {"message": exc.message}, status=exc.status
            )

    return wrapped
