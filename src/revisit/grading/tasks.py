"""Inventories run in the background worker: at a million customers one takes about a
minute, longer than a page request should wait."""

from datetime import date

from huey.contrib.djhuey import db_task

from revisit.core.models import Organization, Staff
from revisit.grading.services import run_inventory


@db_task()
def run_inventory_in_background(
    organization_id: int,
    as_of: str,
    actor_id: int | None,
    window_months: int | None = None,
    thresholds=None,
) -> int:
    """Run one inventory; the result is the new inventory's id."""
    inventory = run_inventory(
        Organization.objects.get(pk=organization_id),
        as_of=date.fromisoformat(as_of),
        actor=Staff.objects.filter(pk=actor_id).first(),
        window_months=window_months,
        thresholds=thresholds,
    )
    return inventory.pk
