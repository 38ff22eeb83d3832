"""Every table in the pages downloads as .xlsx: formula-safe, phones masked unless the
role may see them, and each download is an audit event with its row count."""

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone

from revisit.core.access import may_reveal_phones
from revisit.core.audit import record_event
from revisit.core.spreadsheets import write_xlsx
from revisit.customers.phones import display_phone, mask_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wants_xlsx(request) -> bool:
    return request.GET.get("export") == "xlsx"


def xlsx_response(
    request,
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    phone_column: int | None = None,
) -> HttpResponse:
    """The table as a download named `name`-DATE.xlsx."""
    reveal = phone_column is not None and may_reveal_phones(request.user)
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
        query=request.GET.urlencode(),
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{day}.xlsx"'
    return response
