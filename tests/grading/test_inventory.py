"""The inventory service on small hand-computed data (as of 2024-06-30, mean thresholds).

Graded customers and their R/F/M:
  c1  29 d, 3, 15,000    c2  10 d, 1, 20,000    c3 303 d, 4, 4,000    c4 487 d, 1, 40,000
  c5   5 d, 1,    200    c8  20 d, 2, 60,000    c9 212 d, 3, 60,000
Means: R 152.29 d, F 2.143, M 28,457.14 → c1 B1, c2 B2, c3 B3, c4 A4, c5 B2, c8 A2, c9 A3.
c6 has no order, c7 only a zero-amount line: both `none`.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.grading.models import Grade, TierChange
from revisit.grading.reads import (
    explain_grade,
    migration_customers,
    migration_matrix,
    segment_owner_matrix,
    segment_store_matrix,
    segment_table,
    tier_history,
)
from revisit.grading.services import (
    approve_upgrade,
    grading_settings,
    reject_upgrade,
    run_inventory,
)
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 6, 30)

ORDERS = {
    "c1": [(date(2024, 6, 1), 5000), (date(2024, 5, 1), 5000), (date(2024, 4, 1), 5000)],
    "c2": [(date(2024, 6, 20), 20000)],
    "c3": [(date(2023, m, 1), 1000) for m in (6, 7, 8, 9)],
    "c4": [(date(2023, 3, 1), 40000)],
    "c5": [(date(2024, 6, 25), 200)],
    "c7": [(date(2024, 6, 1), 0)],
    "c8": [(date(2024, 6, 10), 30000), (date(2024, 5, 10), 30000)],
    "c9": [(date(2023, m, 1), 20000) for m in (10, 11, 12)],
}


@pytest.fixture
def clinic():
    org = make_org()
    store, other_store = make_store(org, "S1"), make_store(org, "S2")
    consultant = make_staff(org, Role.CONSULTANT, store=store, name="顾问甲")
    customers = {}
    for code in ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]:
        customers[code] = make_customer(
            org,
            code,
            owner=consultant if code in {"c1", "c4", "c8"} else None,
            home_store=other_store if code == "c9" else store,
        )
        for day, amount in ORDERS.get(code, []):
            make_order(customers[code], str(amount), on=day, store=store)
    # Lines after the as-of date are ignored.
    make_order(customers["c5"], "99999", on=date(2024, 7, 1))
    return {
        "org": org,
        "store": store,
        "other_store": other_store,
        "consultant": consultant,
        "customers": customers,
    }


def grades(inventory):
    return {g.customer.code: g for g in inventory.grades.select_related("customer")}


def test_every_customer_is_graded_with_hand_computed_segments(clinic):
    inventory = run_inventory(clinic["org"], as_of=AS_OF)
    got = grades(inventory)
    assert {code: g.segment for code, g in got.items()} == {
        "c1": "B1",
        "c2": "B2",
        "c3": "B3",
        "c4": "A4",
        "c5": "B2",
        "c6": "none",
        "c7": "none",
        "c8": "A2",
        "c9": "A3",
    }
    assert (got["c1"].recency_days, got["c1"].frequency, got["c1"].monetary) == (
        29,
        3,
        Decimal("15000.00"),
    )
    assert got["c5"].monetary == Decimal("200.00")  # the July order is after the as-of date
    assert got["c6"].recency_days is None and got["c6"].frequency == 0
    assert inventory.customer_count == 9 and inventory.graded_count == 7
    assert inventory.segment_counts == {
        "B1": 1,
        "B2": 2,
        "B3": 1,
        "A4": 1,
        "A2": 1,
        "A3": 1,
        "none": 2,
    }
    assert float(inventory.thresholds["monetary"]) == pytest.approx(28457.142857, rel=1e-6)


def test_tiers_by_cumulative_spend_and_first_tiers_are_applied_directly(clinic):
    inventory = run_inventory(clinic["org"], as_of=AS_OF)
    tiers = {code: g.tier for code, g in grades(inventory).items()}
    assert tiers == {
        "c1": "B",
        "c2": "B",
        "c3": "C",
        "c4": "A",
        "c5": "C",
        "c6": "C",
        "c7": "C",
        "c8": "A",
        "c9": "A",
    }
    current = dict(Customer.objects.filter(organization=clinic["org"]).values_list("code", "tier"))
    assert current == tiers
    # A first tier writes no change row; the history shows it from the grade.
    assert not TierChange.objects.exists()
    first = tier_history(clinic["customers"]["c4"].pk)
    assert [(r["on"], r["kind"], r["to_tier"]) for r in first] == [(AS_OF, "initial", "A")]


def test_a_rising_tier_waits_for_the_store_managers_approval(clinic):
    org, c2 = clinic["org"], clinic["customers"]["c2"]
    run_inventory(org, as_of=AS_OF)
    make_order(c2, "15000", on=date(2024, 8, 1))  # 35,000 in all: tier A
    second = run_inventory(org, as_of=date(2024, 8, 31))
    proposal = TierChange.objects.get(customer=c2, status="proposed")
    assert (proposal.from_tier, proposal.to_tier, proposal.inventory) == ("B", "A", second)
    c2.refresh_from_db()
    assert c2.tier == "B"  # unchanged until approved

    consultant = clinic["consultant"]
    with pytest.raises(PermissionDenied):
        approve_upgrade(proposal.pk, actor=consultant)
    other_manager = make_staff(org, Role.STORE_MANAGER, store=clinic["other_store"])
    with pytest.raises(PermissionDenied):
        approve_upgrade(proposal.pk, actor=other_manager)

    manager = make_staff(org, Role.STORE_MANAGER, store=clinic["store"])
    approve_upgrade(proposal.pk, actor=manager, note="到院确认")
    c2.refresh_from_db()
    assert c2.tier == "A"
    event = AuditEvent.objects.get(action="tier.upgrade.approve")
    assert event.actor == manager and event.data["to_tier"] == "A"
    with pytest.raises(ValueError):
        reject_upgrade(proposal.pk, actor=manager)
    history = [(r["kind"], r["from_tier"], r["to_tier"], r["status"]) for r in tier_history(c2.pk)]
    assert history == [("initial", "", "B", "applied"), ("upgrade", "B", "A", "approved")]


def test_a_rejected_upgrade_keeps_the_tier_and_is_audited(clinic):
    org, c2 = clinic["org"], clinic["customers"]["c2"]
    run_inventory(org, as_of=AS_OF)
    make_order(c2, "15000", on=date(2024, 8, 1))
    run_inventory(org, as_of=date(2024, 8, 31))
    proposal = TierChange.objects.get(customer=c2, status="proposed")
    admin = make_staff(org, Role.ADMIN)
    reject_upgrade(proposal.pk, actor=admin, note="消费含退款待核")
    c2.refresh_from_db()
    assert c2.tier == "B"
    assert AuditEvent.objects.filter(action="tier.upgrade.reject", actor=admin).count() == 1


def test_rerunning_keeps_one_open_proposal_per_customer(clinic):
    org, c2 = clinic["org"], clinic["customers"]["c2"]
    run_inventory(org, as_of=AS_OF)
    make_order(c2, "15000", on=date(2024, 8, 1))
    run_inventory(org, as_of=date(2024, 8, 31))
    make_order(c2, "90000", on=date(2024, 9, 1))  # now SVIP
    third = run_inventory(org, as_of=date(2024, 9, 30))
    open_proposals = TierChange.objects.filter(customer=c2, status="proposed")
    assert [(p.to_tier, p.inventory_id) for p in open_proposals] == [("SVIP", third.pk)]


def test_downgrade_after_a_year_without_purchase_names_the_rule_and_happens_once(clinic):
    org = clinic["org"]
    run_inventory(org, as_of=AS_OF)  # c4 (last bought 2023-03-01) gets tier A
    c4 = clinic["customers"]["c4"]
    later = date(2025, 7, 1)  # more than 365 days after both the purchase and the tier
    run_inventory(org, as_of=later)
    c4.refresh_from_db()
    assert c4.tier == "B"
    change = TierChange.objects.get(customer=c4, kind="downgrade")
    assert "365" in change.rule and change.status == "applied"
    assert AuditEvent.objects.get(action="tier.downgrade").data["rule"] == change.rule
    run_inventory(org, as_of=date(2025, 7, 2))  # the next day: not another step down
    c4.refresh_from_db()
    assert c4.tier == "B"
    # c1 bought within the year before 2024-06-30 only; on 2025-07-01 it is past a year too,
    # but tier C customers cannot go lower.
    assert not TierChange.objects.filter(
        customer=clinic["customers"]["c3"], kind="downgrade"
    ).exists()


def test_segment_tables_per_owner_and_per_store(clinic):
    inventory = run_inventory(clinic["org"], as_of=AS_OF)
    by_owner = {row["owner"]: row for row in segment_owner_matrix(inventory)}
    mine = by_owner["顾问甲"]
    assert (mine["B1"], mine["A4"], mine["A2"], mine["total"]) == (1, 1, 1, 3)
    assert by_owner["—"]["total"] == 6
    by_store = {row["store"]: row["total"] for row in segment_store_matrix(inventory)}
    assert by_store == {"门店S1": 8, "门店S2": 1}
    table = {row["segment"]: row for row in segment_table(inventory)}
    assert table["B2"]["count"] == 2 and table["B2"]["share"] == pytest.approx(2 / 9)
    assert table["A1"]["count"] == 0


def test_owner_table_keeps_the_owner_as_of_the_inventory(clinic):
    inventory = run_inventory(clinic["org"], as_of=AS_OF)
    Customer.objects.filter(code="c1").update(owner=None)
    by_owner = {row["owner"]: row["total"] for row in segment_owner_matrix(inventory)}
    assert by_owner["顾问甲"] == 3


def test_migration_between_two_inventories(clinic):
    org = clinic["org"]
    before = run_inventory(org, as_of=AS_OF)
    make_customer(org, "new")
    after = run_inventory(org, as_of=date(2024, 12, 31))
    matrix = migration_matrix(before, after)
    assert sum(matrix.values()) == 10
    assert matrix[("—", "none")] == 1  # the new customer
    moved = sum(n for (a, b), n in matrix.items() if a != b and a != "—")
    assert moved > 0
    c2_grade = Grade.objects.get(inventory=after, customer__code="c2")
    cell = migration_customers(before, after, from_class="B2", to_class=c2_grade.segment)
    assert "c2" in {g.customer.code for g in cell}


def test_empty_organization_can_be_inventoried():
    inventory = run_inventory(make_org(), as_of=AS_OF)
    assert inventory.customer_count == 0 and inventory.segment_counts == {}


def test_bad_thresholds_mode_is_refused_before_anything_is_written(clinic):
    with pytest.raises(ValueError):
        run_inventory(clinic["org"], as_of=AS_OF, thresholds="avg")
    assert not Grade.objects.exists()


def test_every_grade_explains_itself_in_one_sentence(clinic):
    inventory = run_inventory(clinic["org"], as_of=AS_OF)
    got = grades(inventory)
    text = explain_grade(got["c8"])
    assert "20 天前" in text and "2 次" in text and "¥60,000.00" in text
    assert "¥28,457.14" in text and "A2 重要发展客户" in text
    assert "未参与" in explain_grade(got["c6"])


def test_composite_score_and_custom_classes_from_the_settings(clinic):
    settings = grading_settings(clinic["org"])
    settings.score_weights = {"monetary": 3, "frequency": 1}
    settings.band_rules = [
        {"code": "K1", "name": "核心", "bounds": {"spend": {"min": 50000}}},
        {
            "code": "K2",
            "name": "活跃",
            "bounds": {"recency_days": {"max": 30, "max_inclusive": True}},
        },
    ]
    settings.save()
    got = grades(run_inventory(clinic["org"], as_of=AS_OF))
    assert got["c8"].score > got["c1"].score > got["c5"].score
    assert got["c6"].score == 0.0  # never bought: the bottom
    assert {code: g.band for code, g in got.items()} == {
        "c1": "K2",
        "c2": "K2",
        "c3": "",
        "c4": "",
        "c5": "K2",
        "c6": "",
        "c7": "",
        "c8": "K1",
        "c9": "K1",
    }
    settings.band_rules = [{"code": "X", "bounds": {"age": {"min": 1}}}]
    settings.save()
    with pytest.raises(ValueError, match="age"):
        run_inventory(clinic["org"], as_of=AS_OF)
