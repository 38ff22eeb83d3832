"""Each attribution rule of the referral program (the day-before referral, first
registration wins, the day-before rule, the five special cases) through registration →
arrival → first order → rewards → approval, with exact Decimal amounts for both sides,
and no later arrival, order or imported history changing what was decided."""

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from revisit.customers.models import Customer
from revisit.imports.services import import_file
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.models import Lead
from revisit.referrals.policy import ReferralError
from revisit.referrals.rewards import approve_reward, propose_due_rewards
from revisit.wallet.models import Account, AccountKind
from tests.factories import make_order
from tests.referrals.test_referral_flow import REGISTERED, arrive, clinic, lead_for  # noqa: F401

pytestmark = pytest.mark.django_db
SAME_DAY = REGISTERED + timedelta(hours=3)
NEXT_DAY = REGISTERED + timedelta(days=1)
MOBILE = "13900000077"
# Another channel's card made before the lead: (channel, had she arrived through it).
PRIOR = {"first_registration": ("phone", True), "case_4": ("search", False)}
PRIOR["case_5"] = ("ecommerce", False)

CASES = [
    # rule, arrival facts, arrival time, expected attribution, her card's channel
    ("referral", ArrivalFacts(referrer_came=True), NEXT_DAY, "referral", "referral"),
    ("day_before", ArrivalFacts(referrer_came=True), SAME_DAY, "walk_in", "walk_in"),
    ("case_1", ArrivalFacts(), SAME_DAY, "walk_in", "walk_in"),
    ("case_2", ArrivalFacts(asked_consultant_by_name=True), NEXT_DAY, "walk_in", "walk_in"),
    (
        "case_3",
        ArrivalFacts(came_in_group=True, referrer_came=True),
        SAME_DAY,
        "walk_in",
        "walk_in",
    ),
    ("case_4", ArrivalFacts(referrer_came=True), NEXT_DAY, "search", "search"),
    ("case_5", ArrivalFacts(), NEXT_DAY, "ecommerce", "ecommerce"),
    ("first_registration", ArrivalFacts(), NEXT_DAY, "phone", "phone"),
]


def _prior_card(clinic, rule):  # noqa: F811
    channel, came = PRIOR[rule]
    card = Customer.objects.create(
        organization=clinic["org"],
        code=f"P-{rule}",
        name="别的渠道建档",
        mobile=f"+86{MOBILE}",
        channel=channel,
        first_visit=date(2026, 1, 5) if came else None,
    )
    Customer.objects.filter(pk=card.pk).update(created_at=REGISTERED - timedelta(days=30))


def _history(tmp_path, facts: dict):
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["推荐人编号", "被推荐人姓名", "被推荐人手机", "建档日期", "到院日期", "渠道"]
            + list(facts)
        )
        writer.writerow(
            ["OLD-1", "新朋友", MOBILE, "2026-03-01", "2026-03-02", ""] + list(facts.values())
        )
    return path


@pytest.mark.parametrize(("rule", "facts", "when", "attribution", "channel"), CASES)
def test_each_rule_from_registration_to_approved_rewards(
    clinic,  # noqa: F811
    tmp_path,
    rule,
    facts,
    when,
    attribution,
    channel,
):
    if rule in PRIOR:
        _prior_card(clinic, rule)
    lead = arrive(clinic, lead_for(clinic, MOBILE), facts, when)
    assert (lead.attribution, lead.rule) == (attribution, rule)
    assert lead.customer.channel == channel
    assert lead.facts["referrer_came"] == facts.referrer_came

    # Her first order: 2,345.67. Both sides earn 5% (117.28), the referrer the gift of 480
    # (a first spend of at least 1,000), whoever's performance she is.
    make_order(lead.customer, "2345.67", on=date(2026, 3, 11), store=clinic["store"])
    assert propose_due_rewards(clinic["org"]) == 3
    rewards = {(r.side, r.kind): r for r in lead.rewards.all()}
    assert {key: r.amount for key, r in rewards.items()} == {
        ("referrer", "rebate"): Decimal("117.28"),
        ("referee", "rebate"): Decimal("117.28"),
        ("referrer", "gift"): Decimal("480.00"),
    }
    assert rewards[("referrer", "rebate")].customer == clinic["referrer"]
    assert rewards[("referee", "rebate")].customer == lead.customer
    for side in ("referrer", "referee"):
        approve_reward(rewards[(side, "rebate")], actor=clinic["manager"])
    for customer in (clinic["referrer"], lead.customer):
        credit = Account.objects.get(customer=customer, kind=AccountKind.CREDIT)
        assert credit.balance == Decimal("117.28")

    # Nothing later changes it: a second arrival, another order, an imported history
    # that tells her arrival otherwise.
    with pytest.raises(ReferralError):
        arrive(clinic, lead, ArrivalFacts(asked_consultant_by_name=True), when + timedelta(days=5))
    make_order(lead.customer, "5000", on=date(2026, 4, 2), store=clinic["store"])
    assert propose_due_rewards(clinic["org"]) == 0
    import_file(
        "referrals",
        clinic["org"],
        _history(tmp_path, {"老客同行": "否", "点名咨询师": "是", "结伴来院": "是"}),
        actor=clinic["admin"],
    )
    lead.refresh_from_db()
    assert (lead.attribution, lead.rule) == (attribution, rule)
    assert Lead.objects.filter(organization=clinic["org"]).count() == 1
    assert lead.rewards.count() == 3
    assert lead.registered_at == datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
