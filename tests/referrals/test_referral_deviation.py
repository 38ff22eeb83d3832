"""The deviation per staff member, customer group (the referrer's value tier) and product
on one clinic's March, with exact numbers: the targets split the month's staff targets by
each group's share of the customers served, what happened is counted per group, and the
scope decides what a reader sees."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from revisit.customers.models import Customer, Tier
from revisit.referrals.kpis import month_of
from revisit.referrals.statistics import DEVIATION_BY, NO_TIER, NOT_GIVEN, deviation_by
from revisit.referrals.tables import STAT_TABLES, report_table
from tests.referrals.test_referral_kpis import month_of_march  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
END = date(2026, 3, 31)


@pytest.fixture
def march(month_of_march):  # noqa: F811
    """The KPI test's March, with 5 of the 10 customers served in March graded A: 11
    served customers (the 10 and the referred one), 5 of tier A, 6 not graded."""
    org = month_of_march["org"]
    served = Customer.objects.filter(
        organization=org, owner=month_of_march["consultant"], orders__isnull=False
    ).order_by("pk")
    Customer.objects.filter(pk__in=list(served.values_list("pk", flat=True)[:5])).update(
        tier=Tier.A
    )
    return month_of_march


def rows(viewer, by, as_of=END):
    month = month_of(viewer.organization, date(2026, 3, 1))
    return {row["label"]: row for row in deviation_by(viewer, month, by, as_of=as_of)}


def test_by_customer_group_the_targets_follow_the_served_customers(march):
    groups = rows(march["admin"], "groups")
    assert list(groups) == [str(Tier.A.label), str(NO_TIER)]
    a = groups[str(Tier.A.label)]
    # The month's targets (the consultant's: 1.0 registration, 0.5 arrival, 0.4 deal,
    # 1,000 revenue) × 5/11 for tier A; both leads' referrer is of tier A.
    assert a["registrations"] == {
        "target": Decimal("0.5"),
        "to_date": Decimal("0.5"),
        "actual": 2,
        "deviation": Decimal("1.5"),
    }
    assert a["revenue"] == {
        "target": Decimal("454.55"),
        "to_date": Decimal("454.55"),
        "actual": Decimal("2000.00"),
        "deviation": Decimal("1545.45"),
    }
    assert (a["arrivals"]["actual"], a["deals"]["actual"]) == (1, 1)
    none = groups[str(NO_TIER)]
    assert none["registrations"]["target"] == Decimal("0.5")  # 6/11 of 1.0
    assert none["revenue"]["target"] == Decimal("545.45")
    assert none["registrations"]["actual"] == 0
    assert none["revenue"]["deviation"] == Decimal("-545.45")


def test_the_target_to_date_spreads_the_month(march):
    a = rows(march["admin"], "groups", as_of=date(2026, 3, 10))[str(Tier.A.label)]
    # 10 of 31 days: 1.0 × 5/11 × 10/31 = 0.147 registrations, 146.63 yuan.
    assert a["registrations"]["to_date"] == Decimal("0.1")
    assert a["registrations"]["deviation"] == Decimal("1.9")
    assert a["revenue"]["to_date"] == Decimal("146.63")
    assert a["revenue"]["deviation"] == Decimal("1853.37")
    # Before the month starts nothing is due yet; after it ends, the whole month.
    early = rows(march["admin"], "groups", as_of=date(2026, 2, 20))[str(Tier.A.label)]
    assert early["revenue"]["to_date"] == 0
    late = rows(march["admin"], "groups", as_of=date(2027, 1, 1))[str(Tier.A.label)]
    assert late["revenue"]["to_date"] == Decimal("454.55")


def test_by_product(march):
    products = rows(march["admin"], "products")
    # Served in March: 10 customers bought a line without an item, the referred one 眼部整形.
    assert set(products) == {str(NOT_GIVEN), "眼部整形", "肉毒素"}
    eyes = products["眼部整形"]
    assert eyes["registrations"] == {
        "target": Decimal("0.1"),
        "to_date": Decimal("0.1"),
        "actual": 1,
        "deviation": Decimal("0.9"),
    }
    assert eyes["revenue"]["target"] == Decimal("90.91")  # 1,000 × 1/11
    assert eyes["revenue"]["actual"] == Decimal("2000.00")
    assert (eyes["arrivals"]["actual"], eyes["deals"]["actual"]) == (1, 1)
    # The second lead needed 肉毒素 and has not come: no target (nobody was served it).
    botox = products["肉毒素"]
    assert botox["registrations"]["target"] == 0 and botox["registrations"]["actual"] == 1
    assert products[str(NOT_GIVEN)]["revenue"]["target"] == Decimal("909.09")


def test_by_staff_member(march):
    staff = rows(march["admin"], "staff")
    mine = staff[str(march["consultant"])]
    assert mine["registrations"] == {
        "target": Decimal("1.0"),
        "to_date": Decimal("1.0"),
        "actual": 2,
        "deviation": Decimal("1.0"),
    }
    assert mine["revenue"]["deviation"] == Decimal("1000.00")
    doctor = staff[str(march["doctor"])]
    assert doctor["registrations"]["target"] == 0 and doctor["registrations"]["actual"] == 0


def test_a_reader_sees_only_her_scope(march):
    other = march["other_manager"]
    assert rows(other, "groups") == {}
    assert rows(other, "products") == {}
    assert list(rows(other, "staff")) == [str(other)]
    assert rows(march["consultant"], "staff").keys() == {str(march["consultant"])}
    with pytest.raises(ValueError):
        deviation_by(march["admin"], month_of(march["org"], END), "time", as_of=END)


def test_every_deviation_table_and_the_channel_table(march):
    month = month_of(march["org"], date(2026, 3, 1))
    for by in DEVIATION_BY:
        header, lines = report_table(f"deviation_{by}", march["admin"], month, as_of=END)
        assert len(header) == 17 and all(len(line) == 17 for line in lines)
    header, lines = report_table("deviation_groups", march["admin"], month, as_of=END)
    assert lines[0][:5] == [
        str(Tier.A.label),
        Decimal("0.5"),
        Decimal("0.5"),
        2,
        Decimal("1.5"),
    ]
    header, lines = report_table("channel", march["admin"], month)
    figures = dict(lines)
    assert figures[_("Referral revenue")] == Decimal("2000.00")
    assert figures[_("All revenue")] == Decimal("12000.00")
    assert figures[_("Share of revenue")] == "16.7%"
    assert figures[_("Rebates used")] == ""  # nothing granted yet
    assert {"channel", "deviation_staff", "deviation_groups", "deviation_products"} <= STAT_TABLES
