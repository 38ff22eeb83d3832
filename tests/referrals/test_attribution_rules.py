"""The attribution rules as a table: each special case of the referral program decides
walk-in or the original channel, and only a registration the day before is a referral."""

from datetime import date

import pytest

from revisit.referrals.attribution import ArrivalFacts, decide

REG = date(2026, 3, 9)
DAY_AFTER = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("facts", "kwargs", "expected"),
    [
        # Registered the day before, nothing special: the referral channel's (primary).
        (ArrivalFacts(), {}, ("referral", "referral", "primary")),
        (ArrivalFacts(referrer_came=True), {}, ("referral", "referral", "primary")),
        # A referral registered inside another channel counts for that channel.
        (ArrivalFacts(), {"via_channel": "social"}, ("social", "referral", "secondary")),
        # Registered on the day she came: too late.
        (ArrivalFacts(referrer_came=True), {"arrived_on": REG}, ("walk_in", "day_before", "")),
        # Case 1: the referrer did not come, she only says she was recommended.
        (ArrivalFacts(), {"arrived_on": REG}, ("walk_in", "case_1", "")),
        # Case 2: she asks for a consultant by name, even when registered in time.
        (ArrivalFacts(asked_consultant_by_name=True), {}, ("walk_in", "case_2", "")),
        # Case 3: a group with old customers, without a registration in time.
        (
            ArrivalFacts(came_in_group=True, referrer_came=True),
            {"arrived_on": REG},
            ("walk_in", "case_3", ""),
        ),
        # Case 4: brought by the referrer but the search channel registered her first.
        (
            ArrivalFacts(referrer_came=True),
            {"prior_channel": "search", "prior_arrived": False},
            ("search", "case_4", ""),
        ),
        # Case 5: registered by e-commerce, never came, referred via customer service.
        (
            ArrivalFacts(),
            {"prior_channel": "ecommerce", "prior_arrived": False},
            ("ecommerce", "case_5", ""),
        ),
        # First registration wins otherwise (she had come before through the phone line).
        (
            ArrivalFacts(),
            {"prior_channel": "phone", "prior_arrived": True},
            ("phone", "first_registration", ""),
        ),
        # A card of an earlier walk-in or referral is no other channel's registration.
        (ArrivalFacts(), {"prior_channel": "walk_in"}, ("referral", "referral", "primary")),
    ],
)
def test_each_rule(facts, kwargs, expected):
    args = {"registered_on": REG, "arrived_on": DAY_AFTER, "cutoff_days": 1, **kwargs}
    decision = decide(facts, **args)
    assert (decision.attribution, decision.rule, decision.level) == expected


def test_the_cut_off_is_a_setting():
    late = decide(
        ArrivalFacts(referrer_came=True), registered_on=REG, arrived_on=DAY_AFTER, cutoff_days=2
    )
    assert late.rule == "day_before"
    same_day = decide(ArrivalFacts(), registered_on=REG, arrived_on=REG, cutoff_days=0)
    assert same_day.attribution == "referral"
