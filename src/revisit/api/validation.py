"""Input errors of the API in the caller's language.

django-ninja answers a body or query that fails its schema with pydantic's own English
sentences ("Input should be greater than or equal to 1"). Each error keeps its machine
fields (`type`, `loc`, `ctx`) so a client can branch on them, and its `msg` is replaced by
a sentence in the request's language naming the field, as the pages' forms do.
"""

from django.utils.translation import gettext as _
from ninja.errors import HttpError, ValidationError

# Where a field came from (ninja's first `loc` item), as the caller would call it.
SOURCES = {"body": "", "query": "", "path": "", "header": "", "cookie": "", "form": ""}


def _limit(ctx: dict) -> str:
    for key in ("ge", "gt", "le", "lt", "max_length", "min_length", "max_digits"):
        if key in ctx:
            return str(ctx[key])
    return ""


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    limit = _limit(ctx)
    if kind == "missing":
        return _("This field is required.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(limit)s.") % {"limit": limit}
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(limit)s.") % {"limit": limit}
    if kind in ("string_too_long", "too_long"):
        return _("Too long: at most %(limit)s.") % {"limit": limit}
    if kind in ("string_too_short", "too_short"):
        return _("Too short: at least %(limit)s.") % {"limit": limit}
    if kind.startswith(("int_", "float_")) or kind in ("decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind.startswith("decimal_max"):
        return _("Too many digits.")
    if kind.startswith("date"):
        return _("Enter a real date as YYYY-MM-DD.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind in ("literal_error", "enum"):
        return _("Not one of the allowed values: %(values)s.") % {"values": ctx.get("expected", "")}
    if kind == "json_invalid":
        return _("The body is not valid JSON.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("list_type", "dict_type", "model_attributes_type", "string_type", "model_type"):
        return _("Wrong kind of value for this field.")
    if kind == "string_pattern_mismatch":
        return _("Not in the expected format.")
    return _("Invalid value.")


def _field(loc) -> str:
    """`limit` for ('query', 'limit'); `outcome` for ('body', <parameter>, 'outcome')."""
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in SOURCES:
        parts = parts[1:]
    return ".".join(parts)


def localized_errors(errors: list[dict]) -> list[dict]:
    """The errors with `msg` in the active language and the field's name beside it."""
    out = []
    for error in errors:
        error = dict(error)
        error["msg"] = _message(error)
        error["field"] = _field(error.get("loc") or ())
        out.append(error)
    return out


def install(api) -> None:
    """Answer the API's schema failures with localized messages (status 422, as before)."""

    @api.exception_handler(ValidationError)
    def _invalid(request, exc):
        return api.create_response(request, {"detail": localized_errors(exc.errors)}, status=422)

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        # ninja's own refusals (an unreadable body, a missing token, throttling) carry
        # fixed English texts; the status says which one it was.
        messages = {
            400: _("The body could not be read: send JSON encoded in UTF-8."),
            401: _("A valid API token is required."),
            429: _("Too many requests; try again later."),
        }
        detail = messages.get(exc.status_code, _("The request was refused."))
        return api.create_response(request, {"detail": detail}, status=exc.status_code)
