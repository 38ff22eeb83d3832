"""Changing an organization's grading rules, audited field by field."""

from revisit.core.changes import save_changes
from revisit.core.models import Organization, Staff
from revisit.grading.services import grading_settings


def update_grading_settings(organization: Organization, changes: dict, *, actor: Staff) -> dict:
    """Apply `changes` (field → value, already validated) to the organization's grading
    settings; one audit event with each changed field's before and after."""
    return save_changes(
        grading_settings(organization), changes, actor=actor, action="grading_settings.edit"
    )
