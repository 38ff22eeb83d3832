"""Audit events: every service that changes data records one."""

from django.db import models

from revisit.core.models import AuditEvent, Organization, Staff


def record_event(
    organization: Organization | None,
    *,
    actor: Staff | None,
    action: str,
    target: models.Model | None = None,
    **data,
) -> AuditEvent:
    """Record that `actor` did `action` (e.g. "import.orders") to `target`."""
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data,
    )
