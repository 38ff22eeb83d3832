"""Changing an organization's points and membership rules, audited field by field."""

from revisit.core.changes import save_changes
from revisit.core.models import Organization, Staff
from revisit.wallet.points import points_settings


def update_points_settings(organization: Organization, changes: dict, *, actor: Staff) -> dict:
    """Apply `changes` (field → value, already validated) to the organization's points
    settings; one audit event with each changed field's before and after."""
    return save_changes(
        points_settings(organization), changes, actor=actor, action="points_settings.edit"
    )
