"""Parameters from the address bar, parsed once: a bad one answers 400 (or 404 for a
page past the end) with a message in the user's language, never a 500."""

from functools import wraps

from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1  # database ids are 64-bit: a longer number names nothing


class BadParameter(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def id_param(value: str | None, *, required: bool = True) -> int | None:
    """A record id from the query string; None when absent and not required."""
    value = (value or "").strip()
    if not value and not required:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
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
