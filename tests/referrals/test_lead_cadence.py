"""A referred person's calls follow her intention level (the seed's 一级/二级/三级 schedule)
through the organization's intent cadences and call lists, across month and year ends."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from revisit.core.models import Role
from revisit.outreach.cadences import install_default_cadences
from revisit.outreach.followups import record_followup
from revisit.outreach.models import ScheduledContact
from revisit.referrals.leads import register_lead
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    org = make_org()
    install_default_cadences(org)
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    referrer = make_customer(
        org, "OLD-1", mobile="+8613800000001", home_store=store, owner=consultant
    )
    return org, store, consultant, referrer


def register(clinic, mobile, intention, day):
    org, store, consultant, referrer = clinic
    moment = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)  # noon in Shanghai
    lead = register_lead(
        referrer,
        actor=consultant,
        store=store,
        name="新客",
        mobile=mobile,
        intention=intention,
        now=moment,
    )
    return lead


def due_dates(card):
    return list(
        ScheduledContact.objects.filter(customer=card, status="pending")
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )


def test_each_level_starts_on_the_seeds_day_across_year_ends(clinic):
    first = register(clinic, "13900000011", 1, date(2026, 12, 25))
    second = register(clinic, "13900000012", 2, date(2026, 12, 25))
    third = register(clinic, "13900000013", 3, date(2026, 11, 30))
    assert due_dates(first.customer) == [date(2026, 12, 25)]  # the registration day
    assert due_dates(second.customer) == [date(2027, 1, 10)]  # next month, the 10th
    assert due_dates(third.customer) == [date(2027, 1, 30)]  # two months on, monthly
    # Her card exists before she comes: owned by the consultant, no first visit yet.
    card = first.customer
    assert card.channel == "referral" and card.first_visit is None
    assert card.owner == clinic[2] and card.referrer == clinic[3]


def test_level_one_calls_fall_on_days_7_and_20(clinic):
    _, _, consultant, _ = clinic
    lead = register(clinic, "13900000021", 1, date(2026, 12, 25))
    with time_machine.travel(datetime(2026, 12, 25, 3, 0, tzinfo=UTC), tick=False):
        record_followup(
            lead.customer, actor=consultant, channel="call", outcome="valid_2", intent=1
        )
    assert due_dates(lead.customer) == [date(2027, 1, 1)]
    with time_machine.travel(datetime(2027, 1, 1, 3, 0, tzinfo=UTC), tick=False):
        record_followup(
            lead.customer, actor=consultant, channel="call", outcome="valid_2", intent=1
        )
    assert due_dates(lead.customer) == [date(2027, 1, 14)]


def test_a_person_is_registered_once_first_registration_wins(clinic):
    from revisit.referrals.policy import ReferralError

    register(clinic, "13900000031", 1, date(2026, 3, 1))
    with pytest.raises(ReferralError):
        register(clinic, "13900000031", 2, date(2026, 3, 2))
