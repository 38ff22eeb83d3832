"""Audited edits of configuration rows: what changed, from what, to what."""

from datetime import date, time
from decimal import Decimal

from django.db import models, transaction

from revisit.core.audit import record_event


def jsonable(value):
    """A field value as it goes into an audit event (Decimals as text, exact)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def save_changes(instance: models.Model, changes: dict, *, actor, action: str) -> dict:
    """Set `changes` (field → new value) on the stored row of `instance`, save only the
    fields whose value differs, and record one audit event `action` with each changed
    field's before and after. Returns that {field: {"before", "after"}} map (empty:
    nothing was different, nothing saved)."""
    diff = {}
    with transaction.atomic():
        # Compare with the row as stored, locked: a form may already have set its values
        # on the object it was given, and two admins saving at once must not mix.
        row = type(instance).objects.select_for_update().get(pk=instance.pk)
        for field, value in changes.items():
            before = getattr(row, field)
            if before != value:
                diff[field] = {"before": jsonable(before), "after": jsonable(value)}
                setattr(row, field, value)
        if diff:
            row.save(update_fields=list(diff))
            record_event(
                getattr(row, "organization", None),
                actor=actor,
                action=action,
                target=row,
                changed=diff,
            )
    return diff
