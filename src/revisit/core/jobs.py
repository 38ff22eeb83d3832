"""Background jobs that say how they are going, in the database.

A huey task alone leaves nothing behind when its worker is killed: the page waiting for
it would say "in progress" forever. So every job is a `Job` row: `start_job` records it
as queued and hands its id to a huey task; the task calls `run_job`, which claims the row
(once: a second delivery does nothing), beats a heartbeat from a side thread while the
work runs, and records the result or the error. `fail_stale_jobs`, run every minute by
the worker, marks failed the running jobs whose heartbeat stopped for longer than
settings.JOB_HEARTBEAT_TIMEOUT: their worker died.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.core.models import WORKER_STOPPED, Job

log = logging.getLogger(__name__)


def start_job(
    task: Callable[[int], Any],
    *,
    kind: str,
    organization_id: int | None = None,
    started_by_id: int | None = None,
    args: dict | None = None,
) -> Job:
    """Record a queued job and queue `task(job_id)` (a huey task that calls run_job).
    Call it outside a transaction: the worker must see the row."""
    job = Job.objects.create(
        kind=kind, organization_id=organization_id, started_by_id=started_by_id, args=args or {}
    )
    task(job.pk)
    job.refresh_from_db()  # a task run at once (tests, HUEY_IMMEDIATE) is already done
    return job


def run_job(job_id: int, work: Callable[[Job], Any]) -> Any:
    """Run `work(job)` as job `job_id` and record how it ended. The result must be
    JSON-serializable. An exception is recorded on the job and raised again (so the worker
    logs it too)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, heartbeat_at=now, worker=_worker_name(), updated_at=now
    )
    if not claimed:
        log.warning("job %s is not queued any more; not run again", job_id)
        return None
    job = Job.objects.select_related("organization", "started_by").get(pk=job_id)
    with _Heartbeat(job_id):
        try:
            result = work(job)
        except Exception as exc:
            _finish(job_id, status=Job.Status.FAILED, error=str(exc) or type(exc).__name__)
            raise
    # A late finish wins over a "worker stopped" verdict: the work did complete.
    _finish(job_id, status=Job.Status.DONE, result=result)
    return result


def run_now(
    work: Callable[[Job], Any],
    *,
    kind: str,
    organization_id: int | None = None,
    started_by_id: int | None = None,
    args: dict | None = None,
) -> Any:
    """Record and run a job in this process (periodic ticks already run in the worker)."""
    job = Job.objects.create(
        kind=kind, organization_id=organization_id, started_by_id=started_by_id, args=args or {}
    )
    return run_job(job.pk, work)


def record_progress(job_id: int, progress: dict) -> None:
    """Note how a running job is going, for its waiting page. It is kept in the job's
    result until the real result replaces it."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        result={"progress": progress}, updated_at=timezone.now()
    )


def fail_stale_jobs(*, now: datetime | None = None, timeout: int | None = None) -> int:
    """Mark failed the running jobs without a heartbeat for `timeout` seconds (default
    settings.JOB_HEARTBEAT_TIMEOUT); one audit event each. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=timeout or settings.JOB_HEARTBEAT_TIMEOUT)
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
    failed = 0
    for job in stale.only("pk", "organization_id", "kind", "heartbeat_at"):
        with transaction.atomic():
            # Conditional: a job that beat or finished meanwhile is left alone.
            if not stale.filter(pk=job.pk).update(
                status=Job.Status.FAILED, error=WORKER_STOPPED, updated_at=now
            ):
                continue
            record_event(
                job.organization,
                actor=None,
                action="job.worker_stopped",
                target=job,
                kind=job.kind,
                last_heartbeat=job.heartbeat_at.isoformat(),
            )
            failed += 1
    return failed


def _finish(job_id: int, *, status: str, result: Any = None, error: str = "") -> None:
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(
        status=status, result=result, error=error[:2000], heartbeat_at=now, updated_at=now
    )


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class _Heartbeat:
    """A side thread that stamps the job's heartbeat every quarter of the timeout, so that
    a job is only declared dead after several missed beats."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.interval = max(1.0, settings.JOB_HEARTBEAT_TIMEOUT / 4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat")
        self.thread.daemon = True

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # SQLite: the job's own long write holds the lock; beat again later.
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection
