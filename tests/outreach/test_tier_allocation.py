"""Allocation by tier as well as segment (seed 001): SVIP to a named VIP manager, A/B to
the owning consultant, C to the call team within its own quota, a consultant's
assistant for her B1 customers; the organization's precedence decides when a segment
and a tier strategy both apply. Every quota holds."""

from collections import Counter

import pytest

from revisit.core.models import Role
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.configure import set_staff_duty
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import CallTask, Strategy
from tests.factories import make_staff
from tests.outreach.conftest import DAY, graded

pytestmark = pytest.mark.django_db


def assigned(clinic) -> dict:
    """customer id → who got her."""
    return dict(
        CallTask.objects.filter(organization=clinic["org"], due_date=DAY).values_list(
            "customer_id", "assignee_id"
        )
    )


def work_by_tier(clinic, *targets):
    Strategy.objects.filter(organization=clinic["org"], target__in=targets).update(is_worked=True)


def test_a_named_vip_manager_receives_the_svip_customers_up_to_her_quota(clinic):
    vip = make_staff(clinic["org"], Role.CONSULTANT, store=clinic["store"], name="贵宾经理")
    vip.daily_call_quota = 2
    vip.save()
    Strategy.objects.filter(organization=clinic["org"], target="SVIP").update(manager=vip)
    svip = graded(clinic, "A1", 3, owner=clinic["consultant"], tier="SVIP")
    others = graded(clinic, "A1", 2, owner=clinic["consultant"], tier="A")
    generate_call_lists(clinic["org"], date=DAY)
    got = assigned(clinic)
    # Her quota holds: two of the three SVIP customers, none to their owner instead.
    assert sorted(got[c.pk] for c in svip if c.pk in got) == [vip.pk, vip.pk]
    assert len([c for c in svip if c.pk in got]) == 2
    assert {got[c.pk] for c in others} == {clinic["consultant"].pk}


def test_tiers_a_b_to_the_owner_and_c_to_the_call_team_within_its_quota(clinic):
    org = clinic["org"]
    work_by_tier(clinic, "A", "B", "C")
    settings = outreach_settings(org)
    assert settings.call_team_daily_quota == 150  # seed 001: 100 to 200 calls a day
    settings.call_team_daily_quota = 3
    settings.save()
    team = clinic["callers"]
    for member in team:
        set_staff_duty(member, assists=None, on_call_team=True, actor=clinic["manager"])
    a = graded(clinic, "B2", 2, owner=clinic["consultant"], tier="A")
    b = graded(clinic, "B3", 2, owner=clinic["consultant"], tier="B")
    c = graded(clinic, "A1", 8, owner=clinic["consultant"], tier="C")
    generate_call_lists(org, date=DAY)
    got = assigned(clinic)
    assert {got[x.pk] for x in a + b} == {clinic["consultant"].pk}
    team_load = Counter(got[x.pk] for x in c if x.pk in got)
    # The C customers (even one in A1, owned by a consultant) go to the call team, three
    # each: the call-team quota, not the caller's 50.
    assert team_load == {team[0].pk: 3, team[1].pk: 3}


def test_the_precedence_setting_decides_between_a_segment_and_a_tier_strategy(clinic):
    org = clinic["org"]
    work_by_tier(clinic, "C")
    set_staff_duty(clinic["callers"][0], assists=None, on_call_team=True, actor=clinic["manager"])
    [customer] = graded(clinic, "A1", 1, owner=clinic["consultant"], tier="C")
    generate_call_lists(org, date=DAY)
    assert assigned(clinic)[customer.pk] == clinic["callers"][0].pk  # the tier wins
    CallTask.objects.all().delete()
    settings = outreach_settings(org)
    settings.strategy_precedence = "segment"
    settings.save()
    generate_call_lists(org, date=DAY)
    task = CallTask.objects.get(customer=customer)
    assert task.assignee == clinic["consultant"] and task.strategy.target == "A1"


def test_a_tier_strategy_applies_when_the_segment_is_not_worked(clinic):
    work_by_tier(clinic, "B")
    settings = outreach_settings(clinic["org"])
    settings.strategy_precedence = "segment"
    settings.save()
    [b4] = graded(clinic, "B4", 1, owner=clinic["consultant"], tier="B")
    generate_call_lists(clinic["org"], date=DAY)
    task = CallTask.objects.get(customer=b4)
    assert task.strategy.target == "B" and task.assignee == clinic["consultant"]


def test_the_assistant_takes_her_consultants_b1_customers_and_not_others(clinic):
    org = clinic["org"]
    assistant = make_staff(org, Role.CALLER, store=clinic["store"], name="常助理")
    assistant.daily_call_quota = 2
    assistant.save()
    set_staff_duty(assistant, assists=clinic["consultant"], on_call_team=False, actor=None)
    other = make_staff(org, Role.CONSULTANT, store=clinic["store"], name="张咨询")
    hers = graded(clinic, "B1", 3, owner=clinic["consultant"])
    not_hers = graded(clinic, "B1", 2, owner=other)
    generate_call_lists(org, date=DAY)
    got = assigned(clinic)
    assert [got.get(c.pk) for c in hers].count(assistant.pk) == 2  # her quota holds
    assert len([c for c in hers if c.pk in got]) == 2
    # A consultant without an assistant: her B1 customers go by department as before.
    assert {got[c.pk] for c in not_hers} <= {x.pk for x in clinic["callers"]}


def test_an_assistant_assists_a_consultant_of_the_organization_only(clinic):
    from tests.factories import make_org, make_store

    stranger_org = make_org()
    stranger = make_staff(stranger_org, Role.CONSULTANT, store=make_store(stranger_org))
    caller = clinic["callers"][0]
    for wrong in (stranger, caller, clinic["manager"]):
        with pytest.raises(ValueError):
            set_staff_duty(caller, assists=wrong, on_call_team=False, actor=clinic["manager"])
