"""Services for the tenant and its people. Every write is one of these."""

import secrets
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import transaction

from revisit.core.audit import record_event
from revisit.core.models import Organization, Role, RoleAssignment, Staff, Store


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    store: Store
    admin: Staff
    password: str


@transaction.atomic
def create_organization(
    *,
    code: str,
    name: str,
    store_code: str = "S01",
    store_name: str | None = None,
    admin_username: str | None = None,
) -> NewOrganization:
    """Create a real organization with one store and an admin who must change the
    one-time password that is returned."""
    if Organization.objects.filter(code=code).exists():
        raise ValueError(f"organization {code!r} already exists")
    organization = Organization.objects.create(code=code, name=name)
    store = Store.objects.create(
        organization=organization, code=store_code, name=store_name or name
    )
    password = secrets.token_urlsafe(12)
    admin = Staff.objects.create_user(
        username=admin_username or f"{code}-admin",
        password=password,
        organization=organization,
        display_name=f"{name} admin",
        is_staff=True,
        must_change_password=True,
    )
    RoleAssignment.objects.create(staff=admin, role=Role.ADMIN)
    record_event(organization, actor=None, action="organization.create", target=organization)
    return NewOrganization(organization, store, admin, password)


def resolve_organization(code: str | None) -> Organization:
    """The organization a command acts on: the one named, or the only one there is."""
    if code:
        try:
            return Organization.objects.get(code=code)
        except Organization.DoesNotExist:
            raise CommandError(f"没有编码为 {code!r} 的机构 (no organization {code!r})") from None
    organizations = list(Organization.objects.all()[:2])
    if len(organizations) == 1:
        return organizations[0]
    if not organizations:
        raise CommandError(
            "还没有机构，请先运行 revisit init 或 revisit demo (no organization yet)"
        )
    raise CommandError("有多个机构，请用 --org 指定 (several organizations: pass --org CODE)")
