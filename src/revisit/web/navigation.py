"""The navigation bar: only the pages the user's roles may use."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from revisit.appointments.access import CALENDAR_ROLES, DESK_ROLES, ROSTER_ROLES
from revisit.core.models import Role
from revisit.journeys.access import STORE_TASK_ROLES
from revisit.wallet.access import CASHIER_ROLES
from revisit.web import permissions as perm


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    roles: set[str] | None  # None: every signed-in staff member


ENTRIES = [
    Entry("queue", _("My call queue"), perm.QUEUE_ROLES),
    Entry("customers", _("Customers"), None),
    Entry("desk", _("Front desk"), DESK_ROLES),
    Entry("cashier", _("Cashier"), CASHIER_ROLES),
    Entry("calendar", _("Appointments"), CALENDAR_ROLES),
    Entry("practitioner_day", _("My treatments"), {Role.PRACTITIONER}),
    Entry("roster", _("Roster"), ROSTER_ROLES),
    Entry("inventories", _("Inventories"), perm.INVENTORY_VIEW_ROLES),
    Entry("upgrades", _("Upgrade approvals"), perm.INVENTORY_VIEW_ROLES),
    Entry("daily_report", _("Daily report"), perm.REPORT_ROLES),
    Entry("liability_report", _("Liability report"), perm.REPORT_ROLES),
    Entry("monthly_reports", _("Monthly revisit reports"), perm.MONTHLY_REPORT_ROLES),
    Entry("strategies", _("Strategies"), perm.STRATEGY_VIEW_ROLES),
    Entry("campaigns", _("Campaigns"), perm.SETTINGS_VIEW_ROLES),
    Entry("referrals", _("Referrals"), perm.REFERRAL_ROLES),
    Entry("store_tasks", _("Store tasks"), STORE_TASK_ROLES),
    Entry("outbox", _("Outbox"), perm.MESSAGE_VIEW_ROLES),
    Entry("imports", _("Imports"), perm.IMPORT_ROLES),
    Entry("staff", _("Staff"), perm.STAFF_VIEW_ROLES),
    Entry("audit_log", _("Audit log"), perm.AUDIT_ROLES),
    Entry("revisit_team", _("Revisit team"), perm.REVISIT_TEAM_ROLES),
    Entry("settings", _("Settings"), perm.SETTINGS_VIEW_ROLES),
]


def menu(request) -> list[dict]:
    items = []
    for entry in ENTRIES:
        if entry.roles is None or perm.has_any(request.user, entry.roles):
            url = reverse(entry.url_name)
            items.append({"url": url, "label": entry.label, "active": request.path.startswith(url)})
    return items


def navigation(request) -> dict:
    """Template context processor."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"nav": menu(request)}
