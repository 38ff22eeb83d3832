"""Confirmed imports run in the background worker: a file of a million order lines takes
longer than a page request should wait. Each is a recorded job (revisit.core.jobs) that
says how it is going; the uploaded file is deleted once the job has used it."""

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from revisit.core.jobs import record_progress, run_job, start_job
from revisit.core.models import Job, Store
from revisit.imports.services import (
    ImportFileError,
    import_file,
)

IMPORT_JOB = "import"


def import_in_background(
    *,
    organization_id: int,
    actor_id: int,
    store_id: int | None,
    path: Path,
    kind: str,
    mapping: dict | None,
    name: str,
) -> Job:
    """Queue the import of one uploaded file; the job's result holds the import run's id.
    The same upload confirmed again (a double click, a reload) gets the job it already
    has: the path names the upload."""
    existing = Job.objects.filter(
        organization_id=organization_id, kind=IMPORT_JOB, args__path=str(path)
    ).first()
    if existing is not None:
        return existing
    return start_job(
        import_job,
        kind=IMPORT_JOB,
        organization_id=organization_id,
        started_by_id=actor_id,
        args={
            "path": str(path),
            "kind": kind,
            "store_id": store_id,
            "mapping": mapping,
            "name": name,
            # Its messages (a refusal, the summary) in the language of who confirmed it.
            "language": translation.get_language(),
        },
    )


@db_task()
def import_job(job_id: int) -> dict | None:
    return run_job(job_id, _import)


def _import(job: Job) -> dict:
    with translation.override(job.args.get("language")):
        return _import_file(job)


def _import_file(job: Job) -> dict:
    args = job.args
    path = Path(args["path"])
    try:
        store = None
        if args["store_id"] is not None:
            store = Store.objects.filter(pk=args["store_id"], organization=job.organization)
            store = store.first()
            if store is None:  # deleted since the confirmation
                raise ImportFileError(_("You may not import into this store."))
        report = import_file(
            args["kind"],
            job.organization,
            path,
            actor=job.started_by,
            store=store,
            mapping=args["mapping"],
            dry_run=False,
            name=args["name"],
            progress=lambda phase, rows: record_progress(job.pk, {"phase": phase, "rows": rows}),
        )
    finally:
        path.unlink(missing_ok=True)  # done with, imported or not
    return {"run_id": report.run_id}
