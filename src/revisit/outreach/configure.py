"""Changing an organization's outreach numbers, cadences and strategies, audited with
the values before and after."""

from django.db import transaction
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.changes import jsonable, save_changes
from revisit.core.models import Organization, Role, Staff
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import Cadence, StaffDuty, Strategy

CADENCE_FIELDS = ["key", "name", "kind", "days", "start_months"]


def update_outreach_settings(organization: Organization, changes: dict, *, actor: Staff) -> dict:
    """Apply `changes` to the organization's outreach numbers (quotas, cool-off, retries,
    caps)."""
    return save_changes(
        outreach_settings(organization), changes, actor=actor, action="outreach_settings.edit"
    )


def set_daily_call_quota(staff: Staff, quota: int | None, *, actor: Staff) -> dict:
    """One person's calls per day (None: the default of the role)."""
    return save_changes(
        staff, {"daily_call_quota": quota}, actor=actor, action="staff.daily_call_quota"
    )


def consultants(organization: Organization):
    """Whom an assistant may assist: the organization's active consultants."""
    return (
        Staff.objects.filter(
            organization=organization, is_active=True, role_assignments__role=Role.CONSULTANT
        )
        .distinct()
        .order_by("display_name", "username")
    )


def set_staff_duty(
    staff: Staff, *, assists: Staff | None, on_call_team: bool, actor: Staff
) -> dict:
    """Whose assistant `staff` is (None: nobody's) and whether she is on the call team."""
    if assists is not None and (
        assists.pk == staff.pk or not consultants(staff.organization).filter(pk=assists.pk).exists()
    ):
        raise ValueError(_("An assistant assists another consultant of the organization."))
    with transaction.atomic():
        duty, _created = StaffDuty.objects.get_or_create(staff=staff)
        return save_changes(
            duty,
            {"assists": assists, "on_call_team": on_call_team},
            actor=actor,
            action="staff.duty",
        )


def update_strategy(strategy: Strategy, changes: dict, *, actor: Staff) -> dict:
    return save_changes(strategy, changes, actor=actor, action="strategy.edit")


def update_cadence(cadence: Cadence, changes: dict, *, actor: Staff) -> dict:
    return save_changes(cadence, changes, actor=actor, action="cadence.edit")


def create_cadence(organization: Organization, values: dict, *, actor: Staff) -> Cadence:
    """A new cadence; its key must not be taken in the organization (checked by the form,
    enforced by the database)."""
    with transaction.atomic():
        cadence = Cadence.objects.create(organization=organization, **values)
        record_event(
            organization,
            actor=actor,
            action="cadence.create",
            target=cadence,
            changed={
                f: {"before": None, "after": jsonable(getattr(cadence, f))} for f in CADENCE_FIELDS
            },
        )
    return cadence


def delete_cadence(cadence: Cadence, *, actor: Staff) -> None:
    """Remove a cadence; contacts it already scheduled stay, without their cadence."""
    with transaction.atomic():
        record_event(
            cadence.organization,
            actor=actor,
            action="cadence.delete",
            target=cadence,
            changed={
                f: {"before": jsonable(getattr(cadence, f)), "after": None} for f in CADENCE_FIELDS
            },
        )
        cadence.delete()
