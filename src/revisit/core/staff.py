"""Services for the organization's people: accounts, roles, passwords. Every change is
made by the organization's admin (or by the person herself, for her own password) and is
audited; passwords never appear in the audit log."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.models import STORE_ROLES, Region, Role, RoleAssignment, Staff, Store


class StaffError(ValueError):
    """A change to an account that cannot be made as asked; the message is for the user."""


def one_time_password() -> str:
    return secrets.token_urlsafe(9)


def _require_admin(actor: Staff, staff: Staff | None = None) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if staff is not None and staff.organization_id != actor.organization_id:
        raise PermissionDenied


def _check_place(actor: Staff, role: str, store: Store | None, region: Region | None):
    """The store or region a role needs, inside the actor's organization."""
    if role not in Role.values:
        raise StaffError(_("Unknown role."))
    if role == Role.ADMIN:
        return None, None
    if role == Role.REGION_SUPERVISOR:
        if region is None or region.organization_id != actor.organization_id:
            raise StaffError(_("A region supervisor needs a region."))
        return None, region
    if store is None or store.organization_id != actor.organization_id:
        raise StaffError(_("This role needs a store."))
    assert role in STORE_ROLES
    return store, None


@transaction.atomic
def create_staff(
    *,
    actor: Staff,
    username: str,
    display_name: str,
    role: str,
    store: Store | None = None,
    region: Region | None = None,
    daily_call_quota: int | None = None,
) -> tuple[Staff, str]:
    """A new account with one role and a one-time password, returned once; the person
    must choose her own password at the first login."""
    _require_admin(actor)
    store, region = _check_place(actor, role, store, region)
    username = username.strip()
    if Staff.objects.filter(username__iexact=username).exists():
        raise StaffError(_("This username is taken."))
    password = one_time_password()
    try:
        staff = Staff.objects.create_user(
            username=username,
            password=password,
            organization=actor.organization,
            display_name=display_name.strip(),
            daily_call_quota=daily_call_quota,
            must_change_password=True,
        )
    except IntegrityError:
        raise StaffError(_("This username is taken.")) from None
    RoleAssignment.objects.create(staff=staff, role=role, store=store, region=region)
    record_event(
        actor.organization,
        actor=actor,
        action="staff.create",
        target=staff,
        role=role,
        store=store.code if store else None,
        region=region.code if region else None,
    )
    return staff, password


@transaction.atomic
def reset_password(staff: Staff, *, actor: Staff) -> str:
    """A new one-time password for `staff`, returned once; her old one stops working."""
    _require_admin(actor, staff)
    password = one_time_password()
    staff.set_password(password)
    staff.must_change_password = True
    staff.save(update_fields=["password", "must_change_password"])
    record_event(staff.organization, actor=actor, action="staff.password_reset", target=staff)
    return password


@transaction.atomic
def set_active(staff: Staff, *, actor: Staff, active: bool, reason: str) -> None:
    """Let `staff` log in again, or stop her (she keeps her records; her customers stay
    hers until they are reassigned)."""
    _require_admin(actor, staff)
    if staff.pk == actor.pk and not active:
        raise StaffError(_("You cannot deactivate your own account."))
    if not reason.strip():
        raise StaffError(_("Give a reason."))
    if staff.is_active == active:
        return
    staff.is_active = active
    staff.save(update_fields=["is_active"])
    record_event(
        staff.organization,
        actor=actor,
        action="staff.activate" if active else "staff.deactivate",
        target=staff,
        reason=reason.strip(),
    )


@transaction.atomic
def add_role(
    staff: Staff, *, actor: Staff, role: str, store: Store | None = None, region=None
) -> RoleAssignment:
    _require_admin(actor, staff)
    store, region = _check_place(actor, role, store, region)
    assignment, created = RoleAssignment.objects.get_or_create(
        staff=staff, role=role, store=store, region=region
    )
    if created:
        record_event(
            staff.organization,
            actor=actor,
            action="staff.role_add",
            target=staff,
            role=role,
            store=store.code if store else None,
            region=region.code if region else None,
        )
    return assignment


@transaction.atomic
def remove_role(assignment: RoleAssignment, *, actor: Staff) -> None:
    staff = assignment.staff
    _require_admin(actor, staff)
    if staff.pk == actor.pk and assignment.role == Role.ADMIN:
        raise StaffError(_("You cannot remove your own admin role."))
    record_event(
        staff.organization,
        actor=actor,
        action="staff.role_remove",
        target=staff,
        role=assignment.role,
        store=assignment.store.code if assignment.store else None,
        region=assignment.region.code if assignment.region else None,
    )
    assignment.delete()


@transaction.atomic
def password_changed(staff: Staff) -> None:
    """Called after a person set her own password: no more one-time password."""
    if staff.must_change_password:
        Staff.objects.filter(pk=staff.pk).update(must_change_password=False)
        staff.must_change_password = False
    record_event(staff.organization, actor=staff, action="staff.password_change", target=staff)
