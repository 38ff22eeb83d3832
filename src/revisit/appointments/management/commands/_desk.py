"""What the desk commands share: the acting staff member, stores and times from text, all
looked up through the same access helpers as the pages (a record outside the person's
scope is "not found")."""

from datetime import datetime

from django.core.management.base import CommandError
from django.http import Http404

from revisit.appointments import access
from revisit.core.clock import org_zone
from revisit.core.models import Staff
from revisit.core.services import resolve_organization


def acting_staff(opts) -> Staff:
    org = resolve_organization(opts.get("org"))
    staff = (
        Staff.objects.filter(organization=org, username=opts["staff"], is_active=True)
        .prefetch_related("role_assignments")
        .first()
    )
    if staff is None:
        raise CommandError(f"找不到员工 {opts['staff']!r} (no such staff member)")
    return staff


def store_of(staff: Staff, code: str, stores=None):
    stores = access.calendar_stores(staff) if stores is None else stores
    store = stores.filter(code=code).first()
    if store is None:
        raise CommandError(f"找不到门店 {code!r} 或无权访问 (no such store in your scope)")
    return store


def moment(staff: Staff, text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(
            tzinfo=org_zone(staff.organization)
        )
    except ValueError:
        raise CommandError(f"时间格式应为 'YYYY-MM-DD HH:MM': {text!r}") from None


def found(getter, *args, **kwargs):
    try:
        return getter(*args, **kwargs)
    except Http404:
        raise CommandError("找不到该记录或无权访问 (not found in your scope)") from None
