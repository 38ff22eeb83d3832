"""Changing an organization's outreach numbers, cadences and strategies, audited with
the values before and after."""

from django.db import transaction

from revisit.core.audit import record_event
from revisit.core.changes import jsonable, save_changes
from revisit.core.models import Organization, Staff
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import Cadence, Strategy

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
