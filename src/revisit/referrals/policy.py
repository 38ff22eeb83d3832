"""Who may act on the referral channel, its error, and the organization's program."""

from revisit.core.models import Organization, Role, Staff
from revisit.referrals.models import ReferralSettings

# Every customer-facing role may register a referred person (建档).
REGISTER_ROLES = [
    Role.ADMIN,
    Role.STORE_MANAGER,
    Role.CONSULTANT,
    Role.CALLER,
    Role.FRONT_DESK,
    Role.PRACTITIONER,
]
ARRIVAL_ROLES = [Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK, Role.CONSULTANT]
APPROVE_ROLES = [Role.ADMIN, Role.STORE_MANAGER]
TEXT_LIMITS = {"name": 100, "wechat_id": 64, "items": 200, "spending_power": 100}
CONTROL = {chr(c) for c in range(32)} - {"\n", "\t"}


class ReferralError(ValueError):
    """A referral action refused; `message` is for the user, `field` the form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def referral_settings(organization: Organization) -> ReferralSettings:
    settings, _created = ReferralSettings.objects.get_or_create(organization=organization)
    return settings


def may_register(staff: Staff) -> bool:
    return staff.is_active and staff.has_role(*REGISTER_ROLES)


def may_approve(staff: Staff, store_id: int) -> bool:
    if staff.has_role(Role.ADMIN):
        return True
    return any(
        a.role == Role.STORE_MANAGER and a.store_id == store_id
        for a in staff.role_assignments.all()
    )
