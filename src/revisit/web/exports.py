"""Every table in the pages downloads as .xlsx: formula-safe, phones masked, and each
download is an audit event with its row count.

A download with full phone numbers is a separate, explicit choice: a POST from the small
form next to the download link, by a role that may export numbers, with a reason that
goes into the audit event."""

import io
from collections.abc import Iterable, Sequence

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.access import may_export_phones
from revisit.core.audit import record_event
from revisit.core.log_filters import mask_phones
from revisit.core.spreadsheets import write_xlsx
from revisit.customers.phones import display_phone, mask_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL_PHONES = "full"


class FullPhoneExportForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": _("Give the reason for exporting full phone numbers.")},
    )


def wants_xlsx(request) -> bool:
    return request.GET.get("export") == "xlsx"


def page_query(request, **extra) -> str:
    """The page's query string without the pager and the export switch, plus `extra`."""
    query = request.GET.copy()
    for key in ("page", "export"):
        query.pop(key, None)
    query.update(extra)
    return query.urlencode()


def xlsx_response(
    request,
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    phone_column: int | None = None,
) -> HttpResponse:
    """The table as a download named `name`-DATE.xlsx, phone numbers masked unless the
    full-number form was sent (its reason is audited)."""
    full = request.method == "POST" and request.POST.get("phones") == FULL_PHONES
    reason = ""
    if full and phone_column is not None:
        if not may_export_phones(request.user):
            raise PermissionDenied
        form = FullPhoneExportForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            query = page_query(request)
            return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))
        reason = form.cleaned_data["reason"]
    reveal = bool(reason)
    if phone_column is not None:
        shown = display_phone if reveal else mask_phone
        rows = (
            [shown(v) if i == phone_column and v else v for i, v in enumerate(row)] for row in rows
        )
    buffer = io.BytesIO()
    count = write_xlsx(buffer, [str(h) for h in header], rows)
    record_event(
        request.user.organization,
        actor=request.user,
        action="export",
        table=name,
        rows=count,
        full_phones=reveal,
        **({"reason": reason} if reveal else {}),
        # A number typed into the search stays out of the audit log.
        query=mask_phones(page_query(request)),
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{day}.xlsx"'
    return response
