"""Two people can never work the same task (real threads, real PostgreSQL)."""

import threading
from datetime import date

import pytest
from django.db import connection

from revisit.core.models import Role
from revisit.outreach.followups import claim_task, record_followup
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level concurrency: PostgreSQL"
    ),
]


def run_together(fn, args_list):
    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def worker(i, args):
        try:
            barrier.wait()
            results[i] = fn(*args)
        except Exception as exc:  # collected and checked below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def setup_task():
    org = make_org()
    store = make_store(org)
    staff = [make_staff(org, Role.CALLER, store=store) for _ in range(6)]
    customer = make_customer(org, mobile="+8613800000001")
    task = CallTask.objects.create(
        organization=org, customer=customer, assignee=staff[0], due_date=date(2024, 5, 6)
    )
    return task, staff


def test_claiming_is_atomic():
    task, staff = setup_task()
    for _ in range(5):
        CallTask.objects.filter(pk=task.pk).update(claimed_by=None, claimed_at=None)
        results = run_together(lambda s: claim_task(task.pk, actor=s), [(s,) for s in staff])
        assert results.count(True) == 1, results
        winner = staff[results.index(True)]
        assert CallTask.objects.get(pk=task.pk).claimed_by == winner


def test_the_same_outcome_submitted_twice_at_once_is_stored_once():
    task, staff = setup_task()

    def submit():
        return record_followup(
            CallTask.objects.get(pk=task.pk), actor=staff[0], channel="call", outcome="valid_2"
        )

    results = run_together(submit, [(), (), ()])
    assert not any(isinstance(r, Exception) for r in results), results
    assert FollowUp.objects.filter(task=task).count() == 1
    assert sum(r.created for r in results) == 1


def test_a_campaigns_reinvitation_runs_once_when_ticks_race():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from revisit.outreach.campaigns import reinvite
    from revisit.outreach.models import Campaign, ScheduledContact

    task, staff = setup_task()
    org, customer = task.organization, task.customer
    customer.tier = "A"
    customer.save()
    FollowUp.objects.create(
        organization=org,
        customer=customer,
        actor=staff[0],
        channel="call",
        outcome="valid_3",
        contacted_at=datetime(2024, 4, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    campaign = Campaign.objects.create(
        organization=org,
        name="周年庆",
        starts_on=date(2024, 5, 6),
        ends_on=date(2024, 5, 6) + timedelta(days=20),
        tiers=["A"],
    )
    now = datetime(2024, 5, 6, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    results = run_together(lambda: reinvite(campaign, now=now), [() for _ in range(4)])
    assert sorted(results) == [0, 0, 0, 1], results
    assert ScheduledContact.objects.filter(customer=customer, reason="campaign").count() == 1
