"""Tiers by share assign A, B and C; tiers by points read the points ledger."""

from datetime import UTC, date

import pytest

from revisit.grading.models import Grade, GradingSettings
from revisit.grading.services import grading_settings, run_inventory
from tests.factories import make_customer, make_order, make_org

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 6, 30)


def _tiers(inventory) -> dict[str, str]:
    return dict(Grade.objects.filter(inventory=inventory).values_list("customer__code", "tier"))


def test_share_tiers_assign_b_as_well_as_a_and_c():
    org = make_org("shop")
    for n in range(10):
        make_order(make_customer(org, f"K{n}"), str(1000 * (n + 1)), on=date(2024, 6, 1))
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="share")
    tiers = _tiers(run_inventory(org, as_of=AS_OF))
    # Top 20 % A, the next 30 % B (the default), the rest C.
    assert [tiers[f"K{n}"] for n in range(9, -1, -1)] == ["A"] * 2 + ["B"] * 3 + ["C"] * 5


def test_points_tiers_read_the_points_ledger_as_of_the_inventory_date():
    from datetime import datetime

    from revisit.customers.models import Customer
    from revisit.wallet.ledger import open_account, post
    from revisit.wallet.models import AccountKind, EntryKind

    org = make_org("shop")
    points = {"K1": 6000, "K2": 5000, "K3": 2000, "K4": 1999}
    for code, amount in points.items():
        customer = make_customer(org, code)
        make_order(customer, "10", on=date(2024, 6, 1))
        account = open_account(customer, AccountKind.POINTS, actor=None)
        post(
            account,
            amount,
            kind=EntryKind.EARN,
            actor=None,
            now=datetime(2024, 6, 1, 12, tzinfo=UTC),
        )
    make_customer(org, "K5")  # no points at all
    # Earned after the inventory date: not counted.
    late = open_account(Customer.objects.get(code="K4"), AccountKind.POINTS, actor=None)
    post(late, 1, kind=EntryKind.EARN, actor=None, now=datetime(2024, 7, 2, tzinfo=UTC))
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="points")
    tiers = _tiers(run_inventory(org, as_of=AS_OF))
    assert tiers == {"K1": "A", "K2": "B", "K3": "B", "K4": "C", "K5": "C"}
    assert dict(Customer.objects.values_list("code", "tier")) == tiers  # first tiers set
