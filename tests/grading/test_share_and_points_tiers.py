"""Tiers by share assign A, B and C; tiers by points read the points ledger."""

from datetime import date

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
