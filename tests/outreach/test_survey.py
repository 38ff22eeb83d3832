"""The satisfaction survey of seed 000's A4 rule: recorded on a call (level and reason),
kept as the customer's satisfaction, and counted against the 70% target on the report."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from revisit.core.models import Role
from revisit.customers.models import Customer
from revisit.grading.models import Grade, Inventory
from revisit.outreach.followups import FollowUpError, record_followup
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
DAY = date(2024, 5, 6)


@pytest.fixture
def a4():
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    inventory = Inventory.objects.create(organization=org, as_of=date(2024, 5, 1))
    customers = []
    for i in range(4):
        c = make_customer(org, f"A4-{i}", owner=consultant, home_store=store, name=f"客户{i}")
        Grade.objects.create(inventory=inventory, customer=c, segment="A4")
        customers.append(c)
    return org, consultant, manager, customers


def test_a_survey_is_recorded_on_the_queue_and_becomes_her_satisfaction(client, a4):
    org, consultant, _, customers = a4
    task = CallTask.objects.create(
        organization=org,
        customer=customers[0],
        assignee=consultant,
        due_date=date.today(),
        first_due_date=date.today(),
        segment="A4",
    )
    client.force_login(consultant)
    page = client.get("/queue/").content.decode()
    assert '<details class="survey" open>' in page.split(f'id="task-{task.pk}"')[1]
    client.post(
        f"/queue/tasks/{task.pk}/record/",
        {
            "outcome": "valid_3",
            "channel": "call",
            "decline_reason": "price",
            "satisfaction": "dissatisfied",
            "dissatisfaction_reason": "price",
        },
    )
    followup = FollowUp.objects.get(task=task)
    assert (followup.satisfaction, followup.dissatisfaction_reason) == ("dissatisfied", "price")
    assert Customer.objects.get(pk=customers[0].pk).satisfaction == "dissatisfied"


def test_a_reason_without_a_level_or_an_unknown_value_is_refused(a4):
    _, consultant, _, customers = a4
    for bad in [
        {"dissatisfaction_reason": "price"},
        {"satisfaction": "ecstatic"},
        {"satisfaction": "neutral", "dissatisfaction_reason": "weather"},
    ]:
        with pytest.raises(FollowUpError):
            record_followup(
                customers[1], actor=consultant, channel="call", outcome="valid_2", **bad
            )
    assert not FollowUp.objects.exists()


def test_the_report_counts_surveyed_a4_customers_against_the_target(client, a4):
    org, consultant, manager, customers = a4
    now = datetime.combine(DAY, time(10), ZoneInfo("Asia/Shanghai"))
    record_followup(
        customers[0],
        actor=consultant,
        channel="call",
        outcome="valid_2",
        satisfaction="satisfied",
        now=now,
    )
    record_followup(customers[1], actor=consultant, channel="call", outcome="invalid_1", now=now)
    client.force_login(manager)
    page = client.get("/reports/daily/", {"day": DAY.isoformat()}).content.decode()
    block = page.split('id="survey-progress"')[1].split("</div>")[0]
    assert 'data-surveyed="1"' in page and 'data-total="4"' in page
    assert "25.0%" in block and "70%" in block and "warn" in block
