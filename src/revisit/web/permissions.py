"""What each role may do in the pages and the API. Which customers it may see is the
access module's business; this module answers "may this person use this feature"."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from revisit.core.models import Role, Staff

QUEUE_ROLES = {Role.CONSULTANT, Role.CALLER}
INVENTORY_VIEW_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
INVENTORY_RUN_ROLES = {Role.ADMIN}
UPGRADE_DECIDE_ROLES = {Role.ADMIN, Role.STORE_MANAGER}
IMPORT_ROLES = {Role.ADMIN, Role.STORE_MANAGER}
STRATEGY_VIEW_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
# Strategies and cadences are the organization's, not a store's: only its admin edits them.
SETTINGS_VIEW_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
SETTINGS_EDIT_ROLES = {Role.ADMIN}
REPORT_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
AUDIT_ROLES = {Role.ADMIN}
PERSONAL_DATA_ROLES = {Role.ADMIN}  # export one customer's data, erase it
STAFF_VIEW_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
STAFF_EDIT_ROLES = {Role.ADMIN}
REVISIT_TEAM_ROLES = {Role.ADMIN, Role.STORE_MANAGER}
MEMBERSHIP_STATUS_ROLES = {Role.ADMIN, Role.STORE_MANAGER}  # suspend, cancel, reinstate a card
# Who registers referred people and follows them (every customer-facing role) or reads
# the channel's figures.
REFERRAL_ROLES = {
    Role.ADMIN,
    Role.REGION_SUPERVISOR,
    Role.STORE_MANAGER,
    Role.CONSULTANT,
    Role.CALLER,
    Role.FRONT_DESK,
    Role.PRACTITIONER,
}
# The outbox shows the messages of the customers in the role's scope; sending to many
# is for those who decide a store's outreach.
MESSAGE_VIEW_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
MESSAGE_SEND_ROLES = {Role.ADMIN, Role.STORE_MANAGER}
# The monthly revisit report: every role with a store or a region (the store's staff
# suggest the plan, its manager sets it, the region's supervisor reviews); which stores
# each sees is revisit.reports.monthly's business.
MONTHLY_REPORT_ROLES = {
    Role.ADMIN,
    Role.REGION_SUPERVISOR,
    Role.STORE_MANAGER,
    Role.CONSULTANT,
    Role.CALLER,
    Role.PRACTITIONER,
    Role.FRONT_DESK,
}


def roles_of(staff: Staff) -> set[str]:
    """The roles a staff member holds (read once per request object)."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return set()
    cached = getattr(staff, "_revisit_roles", None)
    if cached is None:
        cached = {a.role for a in staff.role_assignments.all()}
        staff._revisit_roles = cached
    return cached


def has_any(staff: Staff, roles: set[str]) -> bool:
    return bool(roles_of(staff) & roles)


def require_roles(roles: set[str]):
    """View decorator: 403 unless the user holds one of `roles` (login is checked by the
    login-required middleware)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_any(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
