"""The rewards beside the rebate: the referrer's points (posted to her points balance on
the wallet's ledger when the store manager approves, only while the points program is
on), and seed 000's numbers as the program's defaults: the referrer's gift of 480 from a
first spend of 1,000, the 美丽金 as the referrer's share of her friend's first spend."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from revisit.referrals.models import ReferralSettings, RewardStatus
from revisit.referrals.policy import ReferralError, referral_settings
from revisit.referrals.reports import channel_figures
from revisit.referrals.rewards import approve_reward, propose_due_rewards, reject_reward
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind
from revisit.wallet.points import points_settings
from tests.factories import make_order
from tests.referrals.test_referral_flow import NEXT_DAY, arrive, clinic, lead_for  # noqa: F401

pytestmark = pytest.mark.django_db


def first_order(clinic, amount, **settings):  # noqa: F811
    program = referral_settings(clinic["org"])
    for name, value in settings.items():
        setattr(program, name, value)
    program.save()
    lead = arrive(clinic, lead_for(clinic))
    make_order(lead.customer, amount, on=date(2026, 3, 10), store=clinic["store"])
    propose_due_rewards(clinic["org"])
    return lead, {(r.side, r.kind): r for r in lead.rewards.all()}


def points_on(clinic):  # noqa: F811
    program = points_settings(clinic["org"])
    program.enabled = True
    program.save()


def test_the_referrer_earns_whole_points_posted_once_on_approval(clinic):  # noqa: F811
    points_on(clinic)
    lead, rewards = first_order(clinic, "1234.56", referrer_points_per_yuan=Decimal("1.5"))
    points = rewards[("referrer", "points")]
    assert points.amount == Decimal("1851")  # ⌊1234.56 × 1.5⌋
    assert points.customer == clinic["referrer"] and points.status == RewardStatus.PROPOSED
    # Waiting points are counted among the rewards, not added to their yuan.
    figures = channel_figures(lead.organization.referral_leads.all(), since=date(2026, 3, 1))
    assert figures["pending_rewards"] == 4
    assert figures["pending_amount"] == Decimal("61.73") * 2 + 480
    with pytest.raises(PermissionDenied):
        approve_reward(points, actor=clinic["other_manager"])  # not her store
    approve_reward(points, actor=clinic["manager"], now=NEXT_DAY)
    account = Account.objects.get(customer=clinic["referrer"], kind=AccountKind.POINTS)
    assert account.balance == Decimal("1851")
    entry = Entry.objects.get(account=account)
    assert entry.kind == EntryKind.EARN and entry.reference_type == "referral"
    assert entry.expires_on == date(2027, 12, 31)  # the points program's lot expiry
    with pytest.raises(ReferralError):
        approve_reward(points, actor=clinic["admin"])
    account.refresh_from_db()
    assert account.balance == Decimal("1851")
    # Her friend's credit is untouched by the points.
    assert not Account.objects.filter(customer=lead.customer, kind=AccountKind.POINTS).exists()


def test_rejected_points_post_nothing(clinic):  # noqa: F811
    points_on(clinic)
    _lead, rewards = first_order(clinic, "300")
    assert rewards[("referrer", "points")].amount == Decimal("300")  # the default: 1 a yuan
    reject_reward(rewards[("referrer", "points")], actor=clinic["manager"], reason="重复")
    assert not Account.objects.filter(kind=AccountKind.POINTS).exists()


@pytest.mark.parametrize(
    ("enabled", "rate", "amount"),
    [(False, Decimal("1"), "5000"), (True, Decimal("0"), "5000"), (True, Decimal("0.001"), "999")],
)
def test_no_points_without_the_program_a_rate_or_a_whole_point(
    clinic,  # noqa: F811
    enabled,
    rate,
    amount,
):
    if enabled:
        points_on(clinic)
    _lead, rewards = first_order(clinic, amount, referrer_points_per_yuan=rate)
    assert ("referrer", "points") not in rewards
    assert ("referrer", "rebate") in rewards


def test_seed_000_numbers_are_the_defaults():
    program = ReferralSettings()
    assert (program.gift_threshold, program.gift_value) == (Decimal("1000"), Decimal("480"))
    assert program.referrer_rebate_rate == program.referee_rebate_rate == Decimal("0.05")
    assert program.referrer_points_per_yuan == Decimal("1")
    assert program.gift_credit_rate == 0


@pytest.mark.parametrize(("amount", "gift"), [("999.99", False), ("1000", True), ("1000.01", True)])
def test_the_480_gift_from_a_first_spend_of_1000(clinic, amount, gift):  # noqa: F811
    _lead, rewards = first_order(clinic, amount)
    assert (("referrer", "gift") in rewards) is gift
    if gift:
        assert rewards[("referrer", "gift")].amount == Decimal("480.00")
        assert rewards[("referrer", "gift")].description == "护肤礼品"


def test_the_10_percent_beauty_credit_of_seed_000(clinic):  # noqa: F811
    # Seed 000's 美丽金: the referrer gets 10% of her friend's first spend as credit.
    lead, rewards = first_order(clinic, "1999.99", referrer_rebate_rate=Decimal("0.10"))
    assert rewards[("referrer", "rebate")].amount == Decimal("200.00")
    assert rewards[("referee", "rebate")].amount == Decimal("100.00")  # 5% of 1999.99
    approve_reward(rewards[("referrer", "rebate")], actor=clinic["manager"])
    credit = Account.objects.get(customer=clinic["referrer"], kind=AccountKind.CREDIT)
    assert credit.balance == Decimal("200.00")


def test_the_gift_credit_is_a_share_of_the_first_spend_posted_to_her_credit(clinic):  # noqa: F811
    # 赠送产品: about 10% of the first spend as deductible credit, beside the rebate.
    _lead, rewards = first_order(clinic, "2345.67", gift_credit_rate=Decimal("0.10"))
    gift_credit = rewards[("referrer", "gift_credit")]
    assert gift_credit.amount == Decimal("234.57")
    approve_reward(gift_credit, actor=clinic["manager"])
    approve_reward(rewards[("referrer", "rebate")], actor=clinic["manager"])
    credit = Account.objects.get(customer=clinic["referrer"], kind=AccountKind.CREDIT)
    assert credit.balance == Decimal("234.57") + Decimal("117.28")
    reasons = sorted(credit.entries.values_list("reason", flat=True))
    assert reasons == sorted(["老带新赠送抵扣金", "老带新返利金"])


def test_no_gift_credit_by_default(clinic):  # noqa: F811
    _lead, rewards = first_order(clinic, "2345.67")
    assert ("referrer", "gift_credit") not in rewards
