"""Registration → arrival → first order → rewards, through the services with a real
database: the attribution decided once and locked, rewards for both sides in exact
Decimal amounts, approval posting the rebate to the credit ledger once."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.referrals.arrival import correct_attribution, record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.leads import register_lead
from revisit.referrals.models import Lead, RewardStatus
from revisit.referrals.policy import ReferralError, referral_settings
from revisit.referrals.rewards import approve_reward, propose_due_rewards, reject_reward
from revisit.wallet.models import Account, AccountKind
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

REGISTERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
NEXT_DAY = REGISTERED + timedelta(days=1)


@pytest.fixture
def clinic():
    org = make_org()
    store, other = make_store(org, "S1"), make_store(org, "S2")
    return {
        "org": org,
        "store": store,
        "other": other,
        "admin": make_staff(org, Role.ADMIN),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store),
        "other_manager": make_staff(org, Role.STORE_MANAGER, store=other),
        "desk": make_staff(org, Role.FRONT_DESK, store=store),
        "caller": make_staff(org, Role.CALLER, store=store),
        "referrer": make_customer(
            org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store
        ),
    }


def lead_for(clinic, mobile="13900000002", **kwargs):
    return register_lead(
        clinic["referrer"],
        actor=clinic["caller"],
        store=clinic["store"],
        name="新朋友",
        mobile=mobile,
        intention=1,
        now=REGISTERED,
        **kwargs,
    )


def arrive(clinic, lead, facts=None, when=NEXT_DAY):
    facts = facts or ArrivalFacts()
    return record_arrival(lead, actor=clinic["desk"], facts=facts, now=when)


def test_a_referral_registered_the_day_before_makes_her_card_and_both_sides_earn(clinic):
    lead = arrive(clinic, lead_for(clinic))
    assert (lead.attribution, lead.rule, lead.level) == ("referral", "referral", "primary")
    card = lead.customer
    assert card.channel == "referral" and card.referrer == clinic["referrer"]
    make_order(card, "1234.56", on=date(2026, 3, 10), store=clinic["store"])
    assert propose_due_rewards(clinic["org"]) == 3
    assert propose_due_rewards(clinic["org"]) == 0  # run twice: proposed once
    rewards = {(r.side, r.kind): r for r in lead.rewards.all()}
    assert rewards[("referrer", "rebate")].amount == Decimal("61.73")  # 5% of 1234.56
    assert rewards[("referee", "rebate")].amount == Decimal("61.73")
    assert rewards[("referrer", "gift")].amount == Decimal("480.00")  # first spend ≥ 1000
    approve_reward(rewards[("referrer", "rebate")], actor=clinic["manager"])
    credit = Account.objects.get(customer=clinic["referrer"], kind=AccountKind.CREDIT)
    assert credit.balance == Decimal("61.73")
    with pytest.raises(ReferralError):
        approve_reward(rewards[("referrer", "rebate")], actor=clinic["manager"])
    credit.refresh_from_db()
    assert credit.balance == Decimal("61.73")


def test_the_rates_are_the_programs_setting(clinic):
    program = referral_settings(clinic["org"])
    program.referrer_rebate_rate = Decimal("0.10")
    program.gift_threshold = Decimal("5000")
    program.save()
    lead = arrive(clinic, lead_for(clinic))
    make_order(lead.customer, "980", on=date(2026, 3, 10))
    propose_due_rewards(clinic["org"])
    amounts = {(r.side, r.kind): r.amount for r in lead.rewards.all()}
    assert amounts == {
        ("referrer", "rebate"): Decimal("98.00"),
        ("referee", "rebate"): Decimal("49.00"),
    }


@pytest.mark.parametrize(
    ("facts", "when", "attribution", "rule"),
    [
        (ArrivalFacts(), REGISTERED + timedelta(hours=2), "walk_in", "case_1"),
        (ArrivalFacts(asked_consultant_by_name=True), NEXT_DAY, "walk_in", "case_2"),
        (
            ArrivalFacts(came_in_group=True, referrer_came=True),
            REGISTERED + timedelta(hours=1),
            "walk_in",
            "case_3",
        ),
        (
            ArrivalFacts(referrer_came=True),
            REGISTERED + timedelta(hours=3),
            "walk_in",
            "day_before",
        ),
    ],
)
def test_walk_in_cases_still_give_both_customers_their_benefits(
    clinic, facts, when, attribution, rule
):
    lead = arrive(clinic, lead_for(clinic), facts, when)
    assert (lead.attribution, lead.rule) == (attribution, rule)
    assert lead.customer.channel == "walk_in"
    assert lead.customer.referrer == clinic["referrer"]
    make_order(lead.customer, "2000", on=date(2026, 3, 10))
    propose_due_rewards(clinic["org"])
    assert {r.side for r in lead.rewards.all()} == {"referrer", "referee"}


def test_first_registration_wins_case_4_and_case_5(clinic):
    org = clinic["org"]
    searched = Customer.objects.create(
        organization=org, code="S-1", name="搜索来的", mobile="+8613900000003", channel="search"
    )
    Customer.objects.filter(pk=searched.pk).update(created_at=REGISTERED - timedelta(days=30))
    brought = arrive(clinic, lead_for(clinic, "13900000003"), ArrivalFacts(referrer_came=True))
    assert (brought.attribution, brought.rule) == ("search", "case_4")
    assert brought.customer == searched
    searched.refresh_from_db()
    assert searched.channel == "search" and searched.referrer is None  # her card is not rewritten

    shopped = Customer.objects.create(
        organization=org, code="E-1", name="电商来的", mobile="+8613900000004", channel="ecommerce"
    )
    Customer.objects.filter(pk=shopped.pk).update(created_at=REGISTERED - timedelta(days=3))
    via_service = arrive(clinic, lead_for(clinic, "13900000004"))
    assert (via_service.attribution, via_service.rule) == ("ecommerce", "case_5")


def test_the_attribution_is_locked_and_only_an_admin_corrects_it_with_a_reason(clinic):
    lead = arrive(clinic, lead_for(clinic))
    with pytest.raises(ReferralError):
        arrive(clinic, lead, ArrivalFacts(asked_consultant_by_name=True))
    # A later order (an import) changes nothing.
    make_order(lead.customer, "300", on=date(2026, 4, 1))
    lead.refresh_from_db()
    assert (lead.attribution, lead.rule) == ("referral", "referral")
    with pytest.raises(PermissionDenied):
        correct_attribution(lead, actor=clinic["manager"], attribution="walk_in", reason="x")
    with pytest.raises(ReferralError):
        correct_attribution(lead, actor=clinic["admin"], attribution="walk_in", reason=" ")
    correct_attribution(lead, actor=clinic["admin"], attribution="walk_in", reason="核实为自然到院")
    lead.refresh_from_db()
    assert lead.attribution == "walk_in" and lead.rule == "referral"
    event = AuditEvent.objects.get(action="referral.correct")
    assert event.data["before"] == "referral" and event.data["after"] == "walk_in"


def test_registration_checks_its_input(clinic):
    with pytest.raises(ReferralError) as error:
        lead_for(clinic, "12345")
    assert error.value.field == "mobile"
    with pytest.raises(ReferralError):
        register_lead(
            clinic["referrer"],
            actor=clinic["caller"],
            store=clinic["store"],
            name=" ",
            mobile="13900000002",
        )
    with pytest.raises(ReferralError):  # a level-1 lead needs a way to reach her
        register_lead(
            clinic["referrer"],
            actor=clinic["caller"],
            store=clinic["store"],
            name="某某",
            intention=1,
        )
    with pytest.raises(ReferralError):
        register_lead(
            clinic["referrer"],
            actor=clinic["caller"],
            store=clinic["store"],
            name="x" * 101,
            intention=3,
        )
    level_3 = register_lead(
        clinic["referrer"], actor=clinic["caller"], store=clinic["store"], name="只知道姓王"
    )
    assert level_3.intention == 3 and level_3.mobile == ""
    stranger = make_staff(make_org(), Role.ADMIN)
    with pytest.raises(PermissionDenied):
        register_lead(clinic["referrer"], actor=stranger, store=clinic["store"], name="某某")


def test_only_the_stores_manager_or_the_admin_decides_a_reward(clinic):
    lead = arrive(clinic, lead_for(clinic))
    make_order(lead.customer, "500", on=date(2026, 3, 10))
    propose_due_rewards(clinic["org"])
    reward = lead.rewards.get(side="referee")
    with pytest.raises(PermissionDenied):
        approve_reward(reward, actor=clinic["other_manager"])
    with pytest.raises(PermissionDenied):
        approve_reward(reward, actor=clinic["desk"])
    reject_reward(reward, actor=clinic["admin"], reason="重复")
    reward.refresh_from_db()
    assert reward.status == RewardStatus.REJECTED
    assert not Account.objects.filter(customer=lead.customer, kind=AccountKind.CREDIT).exists()
    assert Lead.objects.get(pk=lead.pk).rewards.count() == 2


def test_the_channels_figures_and_the_rebate_usage_rate(clinic):
    from revisit.referrals.reports import channel_figures
    from revisit.wallet.ledger import post
    from revisit.wallet.models import EntryKind

    lead = arrive(clinic, lead_for(clinic))
    walk = arrive(
        clinic, lead_for(clinic, "13900000005"), ArrivalFacts(asked_consultant_by_name=True)
    )
    lead_for(clinic, "13900000006")  # registered, not arrived
    make_order(lead.customer, "2000", on=date(2026, 3, 10))
    propose_due_rewards(clinic["org"])
    leads = Lead.objects.filter(organization=clinic["org"])
    figures = channel_figures(leads, since=date(2026, 3, 1))
    assert (figures["registered"], figures["arrived"], figures["referral"]) == (3, 2, 1)
    assert (figures["deals"], figures["revenue"]) == (1, Decimal("2000.00"))
    assert figures["pending_rewards"] == 3 and figures["rebate_usage"] is None
    assert walk.attribution == "walk_in"
    rebate = lead.rewards.get(side="referrer", kind="rebate")  # 100.00
    approve_reward(rebate, actor=clinic["manager"])
    credit = Account.objects.get(customer=clinic["referrer"], kind=AccountKind.CREDIT)
    post(credit, "-25", kind=EntryKind.SPEND, actor=clinic["manager"])
    figures = channel_figures(leads, since=date(2026, 3, 1))
    assert figures["rebate_usage"] == Decimal("0.25")
    assert figures["pending_rewards"] == 2
