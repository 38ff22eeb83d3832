"""Daily call lists: allocation, quotas, order, exclusions, carry-over, idempotency."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from revisit.customers.models import MarketingConsent
from revisit.outreach.calllists import allocation_table, generate_call_lists
from revisit.outreach.figures import daily_figures
from revisit.outreach.followups import outreach_settings, record_followup
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
    assert table["陈咨询"]["segments"] == {"A1": 2} and table["陈咨询"]["total"] == 2
    callers = [table["冯客服"], table["韩客服"]]
    assert sum(r["segments"]["B1"] for r in callers) == 2


def schedule(customer, reason="revisit:注射", days_ago=0):
    return ScheduledContact.objects.create(
        organization=customer.organization,
        customer=customer,
        due_on=DAY - timedelta(days=days_ago),
        reason=reason,
    )


def test_routine_revisits_come_on_top_of_the_activation_quota(clinic):
    consultant = clinic["consultant"]
    consultant.daily_call_quota = 3
    consultant.save()
    activation = graded(clinic, "A1", 5, owner=consultant)
    revisits = graded(clinic, "A4", 4, owner=consultant)
    for customer in revisits:
        schedule(customer)
    generate_call_lists(clinic["org"], date=DAY)
    mine = tasks_of(consultant)
    scheduled = [t for t in mine if t.source == CallTask.Source.SCHEDULED]
    segment = [t for t in mine if t.source == CallTask.Source.SEGMENT]
    # All four revisits go to their owner and the quota of 3 is still all activation.
    assert {t.customer for t in scheduled} == set(revisits)
    assert len(segment) == 3 and {t.customer for t in segment} <= set(activation)
    [row] = [r for r in allocation_table(clinic["org"], DAY) if r["staff_id"] == consultant.pk]
    assert (row["activation"], row["scheduled"], row["total"]) == (3, 4, 7)
    assert row["segments"] == {"A1": 3}


def test_carried_over_revisits_do_not_use_up_the_quota(clinic):
    consultant = clinic["consultant"]
    consultant.daily_call_quota = 2
    consultant.save()
    old = graded(clinic, "A1", 3, owner=consultant)
    CallTask.objects.bulk_create(
        CallTask(
            organization=clinic["org"],
            customer=customer,
            assignee=consultant,
            due_date=DAY - timedelta(days=1),
            source=CallTask.Source.SCHEDULED,
        )
        for customer in old
    )
    fresh = graded(clinic, "A1", 3, owner=consultant)
    result = generate_call_lists(clinic["org"], date=DAY)
    assert result.carried_over == 3 and result.created == 2
    assert {t.customer for t in tasks_of(consultant) if t.source == "segment"} <= set(fresh)


def test_revisits_without_a_working_owner_go_to_the_pool_even_when_it_is_full(clinic):
    settings = outreach_settings(clinic["org"])
    settings.caller_daily_quota = 1
    settings.save()
    graded(clinic, "B2", 4)
    due = graded(clinic, "B2", 4)
    for customer in due:
        schedule(customer, reason="retry", days_ago=1)
    result = generate_call_lists(clinic["org"], date=DAY)
    assert result.created == 6  # 4 revisits, then 1 activation call each
    for caller in clinic["callers"]:
        mine = tasks_of(caller)
        assert sum(t.source == "scheduled" for t in mine) == 2  # spread evenly
        assert sum(t.source == "segment" for t in mine) == 1


def test_daily_figures_count_activation_calls_and_revisits_apart(clinic):
    consultant = clinic["consultant"]
    graded(clinic, "A1", 2, owner=consultant)
    revisit = graded(clinic, "A4", 1, owner=consultant)[0]
    schedule(revisit)
    generate_call_lists(clinic["org"], date=DAY)
    for task in tasks_of(consultant):
        record_followup(
            task,
            actor=consultant,
            channel="call",
            outcome="valid_3",
            decline_reason="price",
            now=at(DAY, 11),
        )
    [row] = daily_figures(clinic["org"], DAY, staff_ids=[consultant.pk])
    assert (row["calls"], row["activation_calls"], row["revisit_calls"]) == (3, 2, 1)


def test_the_table_command_shows_activation_and_revisits_apart(clinic):
    consultant = clinic["consultant"]
    graded(clinic, "A1", 2, owner=consultant)
    schedule(graded(clinic, "A4", 1, owner=consultant)[0])
    out = StringIO()
    call_command("calllists", "generate", "--date", DAY.isoformat(), "--org", "clinic", stdout=out)
    header, *rows = out.getvalue().splitlines()[1:]
    assert header.split() == ["员工", "A1", "激活", "常规回访", "合计"]
    assert rows[0].split() == ["陈咨询", "2", "2", "1", "3"]
