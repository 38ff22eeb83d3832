"""On the demo organization, a day of calls through the command line: lists, outcomes,
then the next day's lists with carried-over tasks, appointments and next contacts."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from revisit.appointments.models import Appointment
from revisit.demo import build_demo
from revisit.grading.services import run_inventory
from revisit.outreach.models import CallTask, FollowUp

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 1)


def cli(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_day_of_calls_on_the_demo_through_the_command_line():
    org = build_demo(customers=800, as_of=DAY - timedelta(days=1)).organization
    run_inventory(org, as_of=DAY - timedelta(days=1))
    out = cli("calllists", "generate", "--date", str(DAY))
    assert "created" in out and "consultant1" not in out  # the table shows display names
    consultant_tasks = CallTask.objects.filter(assignee__username="consultant1", due_date=DAY)
    assert 0 < consultant_tasks.count() <= 30
    shown = cli("calllists", "show", "--staff", "consultant1", "--date", str(DAY))
    assert f"{consultant_tasks.count()} 个任务" in shown and "****" in shown  # masked phones

    tasks = list(consultant_tasks.order_by("id")[:5])
    at = f"{DAY} 10:30"
    plan = [
        ["--outcome", "valid_1", "--appointment", f"{DAY + timedelta(days=1)} 15:00"],
        ["--outcome", "valid_2", "--intent", "2"],
        ["--outcome", "valid_3", "--reason", "price"],
        ["--outcome", "invalid_1"],
    ]
    for task, extra in zip(tasks, plan, strict=False):
        cli(
            "followups",
            "record",
            "--task",
            str(task.pk),
            "--staff",
            "consultant1",
            "--at",
            at,
            *extra,
        )
    again = cli(
        "followups",
        "record",
        "--task",
        str(tasks[0].pk),
        "--staff",
        "consultant1",
        "--outcome",
        "valid_1",
        "--appointment",
        f"{DAY + timedelta(days=1)} 15:00",
        "--at",
        at,
    )
    assert "already recorded" in again
    assert FollowUp.objects.count() == 4
    appointment = Appointment.objects.get(customer=tasks[0].customer)
    assert appointment.starts_at.date() == DAY + timedelta(days=1)

    nxt = DAY + timedelta(days=1)
    due = cli("followups", "due", "--date", str(nxt))
    assert tasks[0].customer.code in due and "预约前一天确认" in due  # re-confirm the visit
    assert tasks[3].customer.code in due and "未接通重拨" in due  # retry the unreachable
    out = cli("calllists", "generate", "--date", str(nxt))
    carried = CallTask.objects.filter(
        assignee__username="consultant1", due_date=nxt, first_due_date=DAY
    )
    assert carried.count() == consultant_tasks.count() - 4 + 0 or carried.exists()
    assert f"顺延 {CallTask.objects.filter(due_date=nxt, first_due_date=DAY).count()}" in out
    followups = {f.customer_id: f for f in FollowUp.objects.all()}
    assert followups[tasks[1].customer_id].next_contact_on == date(2026, 7, 10)  # intent 2
    assert followups[tasks[2].customer_id].next_contact_on == DAY + timedelta(days=90)
    assert CallTask.objects.filter(customer=tasks[3].customer, due_date=nxt).exists()
