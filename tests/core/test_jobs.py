"""Background jobs record their state; a job whose worker died is marked failed, and the
inventory page says so instead of "in progress" forever."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.http import Http404
from django.utils import timezone

from revisit.core.access import get_job_or_404
from revisit.core.jobs import fail_stale_jobs, run_job, run_now, start_job
from revisit.core.models import AuditEvent, Job, Role
from revisit.grading.models import Inventory
from revisit.grading.tasks import INVENTORY_JOB
from tests.factories import make_customer, make_order, make_org, make_staff, make_store


@pytest.fixture
def org(db):
    org = make_org()
    make_store(org)
    return org


def _queued(org, starter=None, kind="test") -> Job:
    """A job recorded as queued, its task not run (as if the worker were busy)."""
    return start_job(
        lambda job_id: None,
        kind=kind,
        organization_id=org.pk,
        started_by_id=starter.pk if starter else None,
    )


def test_a_job_records_its_result(org):
    job = _queued(org)
    assert job.status == Job.Status.QUEUED
    assert run_job(job.pk, lambda j: {"n": j.organization_id}) == {"n": org.pk}
    job.refresh_from_db()
    assert (job.status, job.result, job.error) == (Job.Status.DONE, {"n": org.pk}, "")
    assert job.heartbeat_at is not None and job.worker


def test_a_job_records_its_error_and_a_second_delivery_does_nothing(org):
    job = _queued(org)

    def broken(j):
        raise ValueError("阈值无效")

    with pytest.raises(ValueError):
        run_job(job.pk, broken)
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, "阈值无效")
    ran = []
    assert run_job(job.pk, ran.append) is None and ran == []


def test_a_tick_run_now_is_recorded_too(org):
    assert run_now(lambda j: 7, kind="tick", organization_id=org.pk) == 7
    assert Job.objects.get(kind="tick").status == Job.Status.DONE


def test_a_running_job_without_heartbeat_is_failed_and_audited_a_beating_one_is_not(org):
    stale, alive = _queued(org), _queued(org)
    now = timezone.now()
    timeout = settings.JOB_HEARTBEAT_TIMEOUT
    Job.objects.filter(pk=stale.pk).update(
        status=Job.Status.RUNNING, heartbeat_at=now - timedelta(seconds=timeout + 1)
    )
    Job.objects.filter(pk=alive.pk).update(
        status=Job.Status.RUNNING, heartbeat_at=now - timedelta(seconds=timeout - 5)
    )
    assert fail_stale_jobs(now=now) == 1
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == Job.Status.FAILED and "后台任务进程" in stale.error_message()
    assert alive.status == Job.Status.RUNNING
    assert AuditEvent.objects.filter(action="job.worker_stopped", target_id=str(stale.pk))
    assert fail_stale_jobs(now=now) == 0  # once


def test_a_job_is_seen_by_who_started_it_and_the_org_admin_only(org):
    store = org.stores.get()
    starter = make_staff(org, Role.STORE_MANAGER, store=store)
    job = _queued(org, starter)
    assert get_job_or_404(starter, pk=job.pk) == job
    assert get_job_or_404(make_staff(org, Role.ADMIN), pk=job.pk) == job
    for outsider in [
        make_staff(org, Role.STORE_MANAGER, store=store),
        make_staff(make_org(), Role.ADMIN),
    ]:
        with pytest.raises(Http404):
            get_job_or_404(outsider, pk=job.pk)


def test_the_inventory_page_shows_a_job_whose_worker_died(client, org):
    admin = make_staff(org, Role.ADMIN)
    job = _queued(org, admin, kind=INVENTORY_JOB)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(admin)
    url = f"/inventories/running/{job.pk}/"
    assert "盘点进行中" in client.get(url).content.decode()
    fail_stale_jobs()
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "盘点失败" in page and "后台任务进程在运行此任务时停止" in page
    assert client.get("/inventories/running/99999999999999999999/").status_code == 404


def _child_env() -> dict:
    """The environment of a child process on the test database."""
    db = settings.DATABASES["default"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="revisit.settings")
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


# A worker process running the real inventory task, held inside the inventory's write
# transaction (writing grades) until it is killed.
WORKER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
import revisit.grading.services as services

def held(*args, **kwargs):
    Path(sys.argv[2]).write_text(str(os.getpid()))
    time.sleep(600)

services._write_grades = held
from revisit.grading.tasks import inventory_job
inventory_job.call_local(int(sys.argv[1]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_inventory_leaves_a_failed_job_not_a_stuck_one(client, tmp_path):
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN)
    for n in range(3):
        make_order(make_customer(org, home_store=store), 100 * (n + 1))
    job = start_job(
        lambda job_id: None,  # queued; the worker below picks it up
        kind=INVENTORY_JOB,
        organization_id=org.pk,
        started_by_id=admin.pk,
        args={"as_of": "2024-06-30", "window_months": 24, "thresholds": None},
    )
    ready = tmp_path / "ready"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(job.pk), str(ready)],
        env=_child_env(),
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(1200):  # a guard, not a timing: the worker signals when it is inside
            if ready.exists() or worker.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), worker.stderr.read().decode() if worker.poll() else "not ready"
        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # Killed: still "running", nothing half-written; before the fix the page waited forever.
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and not Inventory.objects.filter(organization=org)
    later = timezone.now() + timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    assert fail_stale_jobs(now=later) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    client.force_login(admin)
    page = client.get(f"/inventories/running/{job.pk}/").content.decode()
    assert "盘点失败" in page and "后台任务进程在运行此任务时停止" in page


def test_the_morning_tick_records_a_job_per_organization(org):
    from revisit.outreach.tasks import morning_lists

    with time_machine.travel(datetime(2024, 6, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        morning_lists.call_local()
    job = Job.objects.get(kind="prepare_day", organization=org)
    assert job.status == Job.Status.DONE and set(job.result) >= {"created", "revisits"}
