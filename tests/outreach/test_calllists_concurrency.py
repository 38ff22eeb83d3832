"""Concurrent `revisit calllists generate` runs for one day (real child processes, real
PostgreSQL): every quota is held, nobody is listed twice, nothing crashes."""

import os
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection

from revisit.core.models import Department, Role
from revisit.customers.models import Customer
from revisit.grading.models import Grade, Inventory
from revisit.outreach.models import CallTask, OutreachSettings
from revisit.outreach.strategies import install_default_strategies
from tests.factories import make_org, make_staff, make_store

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,  # 120 child processes: about two minutes
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level concurrency: PostgreSQL"
    ),
]

DAY = date(2024, 5, 6)
RUNS = 4
ROUNDS = 30
CONSULTANT_QUOTA = 5
CALLER_QUOTA = 10


def small_clinic():
    """2 consultants (quota 5) owning A1 customers, 2 callers (quota 10) for B2."""
    org = make_org()
    store = make_store(org)
    onsite = Department.objects.create(organization=org, kind="onsite", name="现场部")
    service = Department.objects.create(organization=org, kind="customer_service", name="客服部")
    OutreachSettings.objects.create(
        organization=org, consultant_daily_quota=CONSULTANT_QUOTA, caller_daily_quota=CALLER_QUOTA
    )
    quotas = {}
    for role, department, quota in (
        (Role.CONSULTANT, onsite, CONSULTANT_QUOTA),
        (Role.CONSULTANT, onsite, CONSULTANT_QUOTA),
        (Role.CALLER, service, CALLER_QUOTA),
        (Role.CALLER, service, CALLER_QUOTA),
    ):
        staff = make_staff(org, role, store=store)
        staff.department = department
        staff.save()
        quotas[staff.pk] = quota
    consultants = [pk for pk, q in quotas.items() if q == CONSULTANT_QUOTA]
    install_default_strategies(org)
    inventory = Inventory.objects.create(organization=org, as_of=DAY - timedelta(days=1))
    customers = Customer.objects.bulk_create(
        Customer(
            organization=org,
            code=f"C{i:05d}",
            mobile=f"+86138{i:08d}",
            phone_status="valid",
            home_store=store,
            owner_id=consultants[i % 2] if i < 100 else None,
        )
        for i in range(300)
    )
    Grade.objects.bulk_create(
        Grade(inventory=inventory, customer=c, segment="A1" if i < 100 else "B2", tier="B")
        for i, c in enumerate(customers)
    )
    return org, quotas


def generate_concurrently(org, env) -> list[subprocess.CompletedProcess]:
    command = [
        sys.executable,
        "-m",
        "revisit.cli",
        "calllists",
        "generate",
        "--date",
        DAY.isoformat(),
        "--org",
        org.code,
    ]
    children = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(RUNS)
    ]
    done = []
    for child in children:
        out, err = child.communicate()
        done.append(subprocess.CompletedProcess(command, child.returncode, out, err))
    return done


def test_concurrent_generate_runs_hold_every_quota(tmp_path):
    org, quotas = small_clinic()
    # The children work on this test's database, not the one DATABASE_URL names.
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = dict(
        os.environ,
        DATABASE_URL=f"{server}/{connection.settings_dict['NAME']}",
        REVISIT_VAR=str(tmp_path),
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    for round_ in range(ROUNDS):
        CallTask.objects.filter(organization=org, due_date=DAY).delete()
        for run in generate_concurrently(org, env):
            assert run.returncode == 0 and run.stderr == "", (round_, run.stderr)
        tasks = list(CallTask.objects.filter(organization=org, due_date=DAY))
        per_staff = Counter(t.assignee_id for t in tasks)
        assert per_staff == quotas, (round_, per_staff)
        customers = Counter(t.customer_id for t in tasks)
        assert max(customers.values()) == 1, round_
