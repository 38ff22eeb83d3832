"""Inventories run in the background worker: at a million customers one takes about a
minute, longer than a page request should wait. Each is a recorded job (revisit.core.jobs)
so that the waiting page learns when it is done, failed, or lost with its worker."""

from datetime import date

from huey.contrib.djhuey import db_task

from revisit.core.jobs import run_job, start_job
from revisit.core.models import Job
from revisit.grading.services import run_inventory

INVENTORY_JOB = "inventory"


def run_inventory_in_background(
    organization_id: int,
    as_of: str,
    actor_id: int | None,
    window_months: int | None = None,
    thresholds=None,
) -> Job:
    """Queue one inventory; the job's result holds the new inventory's id."""
    return start_job(
        inventory_job,
        kind=INVENTORY_JOB,
        organization_id=organization_id,
        started_by_id=actor_id,
        args={"as_of": as_of, "window_months": window_months, "thresholds": thresholds},
    )


@db_task()
def inventory_job(job_id: int) -> dict | None:
    return run_job(job_id, _inventory)


def _inventory(job: Job) -> dict:
    inventory = run_inventory(
        job.organization,
        as_of=date.fromisoformat(job.args["as_of"]),
        actor=job.started_by,
        window_months=job.args.get("window_months"),
        thresholds=job.args.get("thresholds"),
    )
    return {"inventory_id": inventory.pk}
