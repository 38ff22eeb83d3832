"""The referral KPIs per staff member and role, and the channel's statistics, on one
clinic's month with exact numbers: targets follow from the customers each person served,
the scope decides whose figures a reader sees."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from revisit.appointments.models import Appointment
from revisit.core.access import visible_leads
from revisit.core.models import Role
from revisit.customers.models import Customer, Satisfaction, Tier
from revisit.outreach.models import FollowUp
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.kpis import month_of, role_kpis, staff_kpis
from revisit.referrals.leads import register_lead
from revisit.referrals.policy import referral_settings
from revisit.referrals.statistics import (
    by_product,
    by_referrer_tier,
    channel_share,
    daily_deviation,
    referral_timing,
)
from revisit.sales.models import Item, Order
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

REGISTERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
ARRIVED = REGISTERED + timedelta(days=1)


@pytest.fixture
def month_of_march():
    org = make_org()
    store, other = make_store(org, "S1"), make_store(org, "S2")
    people = {
        "admin": make_staff(org, Role.ADMIN),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store),
        "other_manager": make_staff(org, Role.STORE_MANAGER, store=other),
        "consultant": make_staff(org, Role.CONSULTANT, store=store, name="咨询甲"),
        "doctor": make_staff(org, Role.PRACTITIONER, store=store, name="医生甲"),
    }
    consultant = people["consultant"]
    # Her 20 old customers, 4 of them satisfied; 10 served in March for 1,000 each.
    owned = [
        make_customer(
            org,
            home_store=store,
            owner=consultant,
            first_visit=date(2025, 1, 1),
            satisfaction=Satisfaction.SATISFIED if i < 4 else "",
        )
        for i in range(20)
    ]
    for customer in owned[:10]:
        order = make_order(customer, "1000", on=date(2026, 3, 5), store=store)
        Order.objects.filter(pk=order.pk).update(consultant=consultant)
    referrer = make_customer(
        org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store, tier=Tier.A
    )
    make_order(referrer, "3000", on=date(2026, 2, 1), store=store)  # 36 days before
    eyes = Item.objects.create(organization=org, code="EYE", name="双眼皮", category="眼部整形")
    first = register_lead(
        referrer,
        actor=consultant,
        store=store,
        name="新朋友",
        mobile="13900000002",
        items="双眼皮",
        intention=1,
        now=REGISTERED,
    )
    register_lead(
        referrer,
        actor=consultant,
        store=store,
        name="朋友乙",
        mobile="13900000003",
        items="肉毒素、玻尿酸",
        intention=2,
        now=REGISTERED,
    )
    lead = record_arrival(first, actor=people["admin"], facts=ArrivalFacts(), now=ARRIVED)
    make_order(lead.customer, "2000", on=date(2026, 3, 10), store=store, item=eyes)
    # She booked her treatment for March; an appointment cancelled or in April is no booking.
    for starts, status in [
        (ARRIVED + timedelta(days=2), "booked"),
        (ARRIVED + timedelta(days=3), "cancelled"),
        (ARRIVED + timedelta(days=40), "booked"),
    ]:
        Appointment.objects.create(
            organization=org,
            customer=lead.customer,
            store=store,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status=status,
        )
    return {"org": org, "store": store, "referrer": referrer, **people}


def test_a_consultants_kpis_against_targets_from_the_customers_she_served(month_of_march):
    org = month_of_march["org"]
    month = month_of(org, date(2026, 3, 1))
    rows = {k.staff.pk: k for k in staff_kpis(month_of_march["admin"], month=month)}
    mine = rows[month_of_march["consultant"].pk]
    assert mine.role == Role.CONSULTANT
    assert (mine.old_total, mine.satisfied, mine.served) == (20, 4, 10)
    assert mine.served_revenue == Decimal("10000.00")
    assert (mine.registrations, mine.arrivals, mine.deals) == (2, 1, 1)
    assert mine.revenue == Decimal("2000.00")
    # A consultant's default rates per 100 served: 10 registrations, 5 arrivals, 4 deals;
    # revenue: 10% of what her served customers spent.
    assert mine.targets == {
        "registrations": Decimal("1.0"),
        "arrivals": Decimal("0.5"),
        "deals": Decimal("0.4"),
        "revenue": Decimal("1000.00"),
    }
    assert mine.attainment("registrations") == 2
    # The doctor served nobody: no target, nothing done.
    doctor = rows[month_of_march["doctor"].pk]
    assert (doctor.served, doctor.registrations, doctor.targets["registrations"]) == (0, 0, 0)
    roles = {k.role: k for k in role_kpis(list(rows.values()))}
    assert roles[Role.CONSULTANT].registrations == 2
    assert roles[Role.CONSULTANT].targets["revenue"] == Decimal("1000.00")
    # April: nothing registered, nothing served.
    april = {
        k.staff.pk: k
        for k in staff_kpis(month_of_march["admin"], month=month_of(org, date(2026, 4, 1)))
    }
    assert april[month_of_march["consultant"].pk].registrations == 0


def test_the_targets_are_settings_and_a_broken_stored_value_falls_back(month_of_march):
    org = month_of_march["org"]
    program = referral_settings(org)
    program.role_targets = {"consultant": {"registrations": "30", "arrivals": "abc"}}
    program.revenue_share_target = Decimal("0.2")
    program.save()
    month = month_of(org, date(2026, 3, 1))
    mine = next(
        k
        for k in staff_kpis(month_of_march["admin"], month=month)
        if k.staff == month_of_march["consultant"]
    )
    assert mine.targets["registrations"] == Decimal("3.0")
    assert mine.targets["arrivals"] == Decimal("0.5")  # "abc": the default 5 per 100
    assert mine.targets["revenue"] == Decimal("2000.00")


def test_whose_kpis_a_reader_sees(month_of_march):
    month = month_of(month_of_march["org"], date(2026, 3, 1))
    consultant = month_of_march["consultant"]
    own = staff_kpis(consultant, month=month)
    assert [k.staff for k in own] == [consultant]
    managers = {k.staff for k in staff_kpis(month_of_march["manager"], month=month)}
    assert consultant in managers and month_of_march["other_manager"] not in managers
    # The other store's manager sees her own row, with nothing of the first store.
    other = staff_kpis(month_of_march["other_manager"], month=month)
    assert [k.staff for k in other] == [month_of_march["other_manager"]]
    assert other[0].served == 0 and other[0].registrations == 0


def test_statistics_by_product_tier_share_and_timing(month_of_march):
    org = month_of_march["org"]
    admin = month_of_march["admin"]
    month = month_of(org, date(2026, 3, 1))

    leads = visible_leads(admin)
    products = {r.label: r for r in by_product(leads, month)}
    assert set(products) == {"眼部整形", "肉毒素"}
    eyes = products["眼部整形"]
    assert (eyes.registered, eyes.arrived, eyes.deals, eyes.revenue) == (
        1,
        1,
        1,
        Decimal("2000.00"),
    )
    assert eyes.arrived_share == 1 and eyes.revenue_share == 1
    assert (products["肉毒素"].registered, products["肉毒素"].arrived) == (1, 0)
    assert (eyes.booked, products["肉毒素"].booked) == (1, 0)
    tiers = {r.label: r for r in by_referrer_tier(leads, month)}
    assert tiers[str(Tier.A.label)].arrived == 1 and tiers[str(Tier.A.label)].revenue_share == 1
    share = channel_share(admin, month)
    assert share["revenue"] == Decimal("2000.00") and share["total"] == Decimal("12000.00")
    assert share["share"] == Decimal(2000) / Decimal(12000) and share["met"]
    timing = {b["key"]: b["count"] for b in referral_timing(leads, month)}
    assert timing == {"0": 0, "1-3": 2, "4-11": 0, "12+": 0, "none": 0}
    # A store's manager elsewhere sees none of it.
    other = month_of_march["other_manager"]
    assert by_product(visible_leads(other), month) == []
    assert channel_share(other, month)["total"] == 0


def test_the_daily_deviation_spreads_the_month_and_accumulates(month_of_march):
    month = month_of(month_of_march["org"], date(2026, 3, 1))
    days = {row["day"]: row for row in daily_deviation(month_of_march["admin"], month)}
    assert len(days) == 31
    ninth, tenth = days[date(2026, 3, 9)], days[date(2026, 3, 10)]
    assert ninth["registrations"]["actual"] == 2
    # The month's target: 1.0 registration (the consultant's); by the 9th, 9/31 of it.
    assert ninth["registrations"]["to_date"] == Decimal("1.7")
    assert tenth["arrivals"]["actual"] == 1 and tenth["deals"]["actual"] == 1
    assert tenth["revenue"]["actual"] == Decimal("2000")
    assert days[date(2026, 3, 31)]["registrations"]["to_date"] == Decimal("1.0")


def test_the_daily_deviation_of_one_staff_member(month_of_march):
    month = month_of(month_of_march["org"], date(2026, 3, 1))
    admin = month_of_march["admin"]
    mine = {
        row["day"]: row
        for row in daily_deviation(admin, month, person=month_of_march["consultant"])
    }
    assert mine[date(2026, 3, 9)]["registrations"]["actual"] == 2
    assert mine[date(2026, 3, 31)]["registrations"]["to_date"] == Decimal("1.0")
    doctor = daily_deviation(admin, month, person=month_of_march["doctor"])
    assert all(row["registrations"]["actual"] == 0 for row in doctor)
    assert all(row["registrations"]["target"] == 0 for row in doctor)


def test_a_caller_serves_the_customers_she_followed_up(month_of_march):
    org = month_of_march["org"]
    caller = make_staff(org, Role.CALLER, store=month_of_march["store"])
    called = Customer.objects.filter(organization=org, owner=month_of_march["consultant"])[:4]
    for customer in called:
        for day in (3, 17):  # twice each: still one customer served
            FollowUp.objects.create(
                organization=org,
                customer=customer,
                actor=caller,
                channel="call",
                outcome="valid_1",
                contacted_at=datetime(2026, 3, day, 3, 0, tzinfo=UTC),
            )
    month = month_of(org, date(2026, 3, 1))
    rows = {k.staff.pk: k for k in staff_kpis(month_of_march["admin"], month=month)}
    mine = rows[caller.pk]
    assert (mine.role, mine.served, mine.served_revenue) == (Role.CALLER, 4, 0)
    assert mine.targets["registrations"] == Decimal("0.2")  # 5 per 100 served
    # The other store's manager does not see these customers: nothing served for her.
    other = staff_kpis(month_of_march["other_manager"], month=month)
    assert caller.pk not in {k.staff.pk for k in other}
