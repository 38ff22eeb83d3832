"""Daily call lists: allocation, quotas, order, exclusions, carry-over, idempotency."""

from datetime import timedelta

import pytest

from revisit.customers.models import MarketingConsent
from revisit.outreach.calllists import allocation_table, generate_call_lists
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import CallTask, ScheduledContact
from revisit.sales.models import Order
from tests.factories import make_order
from tests.outreach.conftest import DAY, at, contacted, graded

pytestmark = pytest.mark.django_db


def tasks_of(staff, day=DAY):
    return list(CallTask.objects.filter(assignee=staff, due_date=day).order_by("id"))


def test_onsite_segments_go_to_the_owner_and_service_segments_spread_over_the_pool(clinic):
    mine = graded(clinic, "A1", 3, owner=clinic["consultant"])
    general = graded(clinic, "B1", 4, owner=clinic["consultant"])
    result = generate_call_lists(clinic["org"], date=DAY)
    assert result.created == 7
    assert {t.customer for t in tasks_of(clinic["consultant"])} == set(mine)
    first, second = (tasks_of(c) for c in clinic["callers"])
    assert len(first) == 2 and len(second) == 2  # evenly
    assert {t.customer for t in first + second} == set(general)
    assert all(t.strategy.target == "B1" and t.segment == "B1" for t in first + second)


def test_nobody_gets_more_than_the_quota_and_priority_then_oldest_contact_comes_first(clinic):
    consultant = clinic["consultant"]
    consultant.daily_call_quota = 3
    consultant.save()
    a2 = graded(clinic, "A2", 2, owner=consultant)  # priority 2
    a4 = graded(clinic, "A4", 3, owner=consultant)  # priority 1
    contacted(a4[0], consultant, at(DAY - timedelta(days=20)))
    contacted(a4[1], consultant, at(DAY - timedelta(days=40)))
    generate_call_lists(clinic["org"], date=DAY)
    got = [t.customer for t in tasks_of(consultant)]
    assert got == [a4[2], a4[1], a4[0]]  # never contacted, then the longest ago
    assert not CallTask.objects.filter(customer__in=a2).exists()


def test_role_default_quota_comes_from_the_settings(clinic):
    settings = outreach_settings(clinic["org"])
    settings.caller_daily_quota = 2
    settings.save()
    graded(clinic, "B2", 6)
    result = generate_call_lists(clinic["org"], date=DAY)
    assert result.created == 4
    assert [len(tasks_of(c)) for c in clinic["callers"]] == [2, 2]


def test_excluded_customers_are_never_listed(clinic):
    owner = clinic["consultant"]
    ok = graded(clinic, "A1", 1, owner=owner)[0]
    graded(clinic, "A1", 1, owner=owner, is_blacklisted=True)
    graded(clinic, "A1", 1, owner=owner, is_dispute=True)
    dead = graded(clinic, "A1", 1, owner=owner)[0]
    review = graded(clinic, "A1", 1, owner=owner)[0]
    opted_out = graded(clinic, "A1", 1, owner=owner)[0]
    no_phone = graded(clinic, "A1", 1, owner=owner)[0]
    recent = graded(clinic, "A1", 1, owner=owner)[0]
    week_ago = graded(clinic, "A1", 1, owner=owner)[0]
    left_alone = graded(clinic, "B4", 1)[0]
    type(dead).objects.filter(pk=dead.pk).update(phone_status="dead")
    type(review).objects.filter(pk=review.pk).update(phone_status="review")
    type(no_phone).objects.filter(pk=no_phone.pk).update(mobile="")
    MarketingConsent.objects.create(
        customer=opted_out, channel="call", granted=False, recorded_at=at(DAY)
    )
    contacted(recent, owner, at(DAY - timedelta(days=6)))  # inside the 7-day cool-off
    contacted(week_ago, owner, at(DAY - timedelta(days=7)))
    generate_call_lists(clinic["org"], date=DAY)
    listed = set(CallTask.objects.values_list("customer", flat=True))
    assert listed == {ok.pk, week_ago.pk}
    assert left_alone.pk not in listed  # B4 is not worked by default


def test_generating_twice_creates_nothing_new(clinic):
    graded(clinic, "A1", 2, owner=clinic["consultant"])
    graded(clinic, "B2", 3)
    first = generate_call_lists(clinic["org"], date=DAY)
    second = generate_call_lists(clinic["org"], date=DAY)
    assert first.created == 5 and second.created == 0 and second.carried_over == 0
    assert CallTask.objects.count() == 5


def test_unfinished_tasks_carry_over_first_and_count_against_the_quota(clinic):
    consultant = clinic["consultant"]
    consultant.daily_call_quota = 2
    consultant.save()
    customers = graded(clinic, "A1", 3, owner=consultant)
    yesterday = DAY - timedelta(days=1)
    old = CallTask.objects.create(
        organization=clinic["org"],
        customer=customers[0],
        assignee=consultant,
        due_date=yesterday,
        first_due_date=yesterday,
    )
    result = generate_call_lists(clinic["org"], date=DAY)
    assert result.carried_over == 1 and result.created == 1
    old.refresh_from_db()
    assert old.due_date == DAY and old.first_due_date == yesterday
    assert len(tasks_of(consultant)) == 2


def test_due_scheduled_contacts_are_listed_even_outside_worked_segments(clinic):
    customer = graded(clinic, "B4", 1)[0]
    ScheduledContact.objects.create(
        organization=clinic["org"],
        customer=customer,
        due_on=DAY - timedelta(days=1),
        reason="retry",
    )
    generate_call_lists(clinic["org"], date=DAY)
    task = CallTask.objects.get(customer=customer)
    assert task.source == "scheduled"


def test_contact_cap_falls_back_to_quarterly(clinic):
    consultant = clinic["consultant"]
    capped, bought = graded(clinic, "A1", 2, owner=consultant)
    for customer in (capped, bought):
        make_order(customer, "100", on=DAY - timedelta(days=200))
        for days in (80, 70, 60, 50, 40, 10):
            contacted(customer, consultant, at(DAY - timedelta(days=days)))
    make_order(bought, "100", on=DAY - timedelta(days=30))  # bought since: counting restarts
    generate_call_lists(clinic["org"], date=DAY)
    assert set(CallTask.objects.values_list("customer", flat=True)) == {bought.pk}
    assert Order.objects.filter(customer=capped).count() == 1


def test_allocation_table_per_staff_and_segment(clinic):
    graded(clinic, "A1", 2, owner=clinic["consultant"])
    graded(clinic, "B1", 2)
    generate_call_lists(clinic["org"], date=DAY)
    table = {row["staff"]: row for row in allocation_table(clinic["org"], DAY)}
    assert table["陈咨询"]["A1"] == 2 and table["陈咨询"]["total"] == 2
    assert table["冯客服"]["B1"] + table["韩客服"]["B1"] == 2
