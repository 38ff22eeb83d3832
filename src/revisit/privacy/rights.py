"""A customer's rights over her personal data: a copy of everything held about her, and
erasure. Erasure anonymizes the person and keeps the financial rows (orders, amounts) that
the business must keep for its accounts; files that still name her (uploads, rejected-row
files, import reports) are deleted."""

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.appointments.models import Appointment
from revisit.core.audit import record_event
from revisit.core.models import AuditEvent, Role, Staff
from revisit.core.spreadsheets import safe_cell
from revisit.customers.models import Customer, Gender, PhoneStatus
from revisit.messaging.models import Message
from revisit.outreach.models import CallTask, FollowUp, ScheduledContact
from revisit.sales.models import OrderLine

ERASED_NAME = "（已删除）"
PROFILE_FIELDS = [
    "code",
    "name",
    "gender",
    "birthday",
    "birthday_is_lunar",
    "mobile",
    "mobile2",
    "wechat_id",
    "address",
    "occupation",
    "occupation_group",
    "marital_status",
    "wedding_anniversary",
    "phone_status",
    "channel",
    "first_visit",
    "last_visit",
    "tier",
    "satisfaction",
    "is_dispute",
    "is_blacklisted",
    "blacklist_reason",
    "notes",
    "potential_needs",
    "care_focus",
    "health_notes",
    "allergies",
    "medical_history",
    "risk_flags",
    "created_at",
]


class RightsError(ValueError):
    """A request that cannot be carried out as asked; the message is for the user."""


def _require_admin(actor: Staff, customer: Customer) -> None:
    if actor.organization_id != customer.organization_id or not actor.has_role(Role.ADMIN):
        raise PermissionDenied


def personal_data(customer: Customer) -> dict[str, list[dict]]:
    """Everything held about `customer`, section by section, each a list of rows."""
    profile = {f: getattr(customer, f) for f in PROFILE_FIELDS}
    profile["owner"] = str(customer.owner or "")
    profile["home_store"] = str(customer.home_store or "")
    profile["tags"] = ", ".join(t.name for t in customer.tags.all())
    profile["psychology_type"] = str(customer.psychology_type or "")
    profile["referrer"] = customer.referrer.code if customer.referrer else ""
    return {
        "profile": [profile],
        "consents": list(customer.consents.values("channel", "granted", "recorded_at", "source")),
        "orders": list(
            OrderLine.objects.filter(customer=customer)
            .order_by("order_date", "order_id", "line_no")
            .values("order__order_no", "order_date", "item__name", "quantity", "amount")
        ),
        "followups": list(
            FollowUp.objects.filter(customer=customer)
            .order_by("contacted_at")
            .values("contacted_at", "channel", "outcome", "intent", "note", "next_contact_on")
        ),
        "appointments": list(
            Appointment.objects.filter(customer=customer)
            .order_by("starts_at")
            .values("starts_at", "store__name", "status", "note", "arrived_at")
        ),
        "grades": list(
            customer.grades.order_by("inventory__as_of").values(
                "inventory__as_of", "segment", "tier", "recency_days", "frequency", "monetary"
            )
        ),
        "balances": [],  # no ledger yet: nothing held
        "access": list(
            AuditEvent.objects.filter(
                organization_id=customer.organization_id,
                target_type="customers.customer",
                target_id=str(customer.pk),
            )
            .order_by("created_at")
            .values("created_at", "action", "actor__username")
        ),
        "card_history": list(
            customer.changes.order_by("changed_at").values(
                "changed_at", "field", "before", "after", "reason"
            )
        ),
        "notes": list(customer.card_notes.order_by("created_at").values("created_at", "text")),
    }


def export_personal_data(customer: Customer, *, actor: Staff, fmt: str) -> tuple[bytes, str]:
    """A copy of her data as JSON or xlsx (one sheet per section); audited."""
    _require_admin(actor, customer)
    if fmt not in ("json", "xlsx"):
        raise RightsError(_("Unknown format."))
    data = personal_data(customer)
    if fmt == "json":
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()
    else:
        body = _xlsx(data)
    record_event(
        customer.organization,
        actor=actor,
        action="customer.export_personal_data",
        target=customer,
        rows=sum(len(rows) for rows in data.values()),
    )
    return body, fmt


def _xlsx(data: dict[str, list[dict]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "remove_timezone": True})
    for section, rows in data.items():
        sheet = book.add_worksheet(section)
        columns = list(rows[0]) if rows else []
        sheet.write_row(0, 0, columns)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, [_cell(row[c]) for c in columns])
    book.close()
    return buffer.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    return safe_cell(str(value) if not isinstance(value, str) else value)


@dataclass(frozen=True)
class Erased:
    files_deleted: int


def erase_customer(customer: Customer, *, actor: Staff, reason: str) -> Erased:
    """Anonymize `customer`: name, contact details, notes, tags, consents and the notes of
    her follow-ups and appointments are removed; orders and amounts stay (accounting).
    Files naming her are deleted. Audited with the reason."""
    _require_admin(actor, customer)
    if not reason.strip():
        raise RightsError(_("Give a reason."))
    if customer.name == ERASED_NAME and not customer.mobile:
        raise RightsError(_("This customer has been erased already."))
    needles = _needles(customer)
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(
            code=f"ERASED-{customer.pk}",
            name=ERASED_NAME,
            gender=Gender.UNKNOWN,
            birthday=None,
            birthday_is_lunar=False,
            mobile="",
            mobile2="",
            wechat_id="",
            address="",
            occupation="",
            occupation_group="",
            wedding_anniversary=None,
            marital_status="",
            phone_status=PhoneStatus.UNKNOWN,
            notes="",
            potential_needs="",
            care_focus="",
            health_notes="",
            allergies="",
            medical_history="",
            psychology_type=None,
            blacklist_reason="",
            risk_flags=[],
            satisfaction="",
            updated_at=timezone.now(),
        )
        customer.tags.clear()
        customer.consents.all().delete()
        # The card's history and notes hold the same personal data as the card.
        customer.changes.all().delete()
        customer.card_notes.all().delete()
        FollowUp.objects.filter(customer=customer).update(note="")
        # Her messages carry her name and number in their text and recipient.
        Message.objects.filter(customer=customer).delete()
        Appointment.objects.filter(customer=customer).update(note="")
        CallTask.objects.filter(customer=customer, status=CallTask.Status.OPEN).update(
            status=CallTask.Status.CANCELLED
        )
        ScheduledContact.objects.filter(
            customer=customer, status=ScheduledContact.Status.PENDING
        ).update(status=ScheduledContact.Status.CANCELLED)
        deleted = _delete_files_naming(needles)
        record_event(
            customer.organization,
            actor=actor,
            action="customer.erase",
            target=customer,
            reason=reason.strip(),
            count=deleted,
        )
    customer.refresh_from_db()
    return Erased(deleted)


def _needles(customer: Customer) -> list[bytes]:
    """What identifies her inside a stored file: her code, her number (as stored and as
    people write it), her name in UTF-8 and GBK."""
    needles = {customer.code.encode()}
    if customer.mobile:
        needles.add(customer.mobile.encode())
        needles.add(customer.mobile.removeprefix("+86").encode())
    if len(customer.name) >= 2:
        needles.add(customer.name.encode("utf-8"))
        with contextlib.suppress(UnicodeEncodeError):
            needles.add(customer.name.encode("gbk"))
    return [n for n in needles if len(n) >= 4 or not n.isascii()]


def _stored_files() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.IMPORT_REPORT_DIR)]
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def _delete_files_naming(needles: list[bytes]) -> int:
    deleted = 0
    for path in _stored_files():
        if _mentions(path, needles):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _mentions(path: Path, needles: list[bytes]) -> bool:
    if zipfile.is_zipfile(path):  # xlsx: the text is inside the archive's XML parts
        try:
            with zipfile.ZipFile(path) as archive:
                return any(_chunks_mention(archive.open(m), needles) for m in archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return False
    with path.open("rb") as fh:
        return _chunks_mention(fh, needles)


def _chunks_mention(fh, needles: list[bytes], size: int = 1 << 20) -> bool:
    """Search a stream chunk by chunk (bounded memory), across chunk borders."""
    overlap = max(len(n) for n in needles) - 1
    tail = b""
    while chunk := fh.read(size):
        window = tail + chunk
        if any(n in window for n in needles):
            return True
        tail = window[-overlap:] if overlap else b""
    return False
