"""Draft (what-if) inventories change nothing until an admin publishes them; only the
published inventory drives pages and call lists; bulk upgrade decisions."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from revisit.core.models import AuditEvent, Department, Role
from revisit.customers.models import Customer
from revisit.grading.models import Inventory, TierChange
from revisit.grading.reads import current_inventory
from revisit.grading.services import (
    approve_upgrade,
    decide_upgrades,
    publish_inventory,
    run_inventory,
)
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.strategies import install_default_strategies
from tests.factories import make_customer, make_order, make_org, make_region, make_staff, make_store

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 6, 30)


@pytest.fixture
def shop():
    org = make_org()
    store, other = make_store(org, "S1"), make_store(org, "S2")
    admin = make_staff(org, Role.ADMIN)
    customers = []
    for i, amount in enumerate(["12000", "15000", "500", "25000"]):
        c = make_customer(org, f"k{i}", home_store=other if i == 3 else store)
        make_order(c, amount, on=date(2024, 6, 1), store=store)
        customers.append(c)
    return {"org": org, "store": store, "other": other, "admin": admin, "customers": customers}


def test_a_run_with_the_organizations_settings_is_published_at_once(shop):
    inventory = run_inventory(shop["org"], as_of=AS_OF, actor=shop["admin"])
    assert inventory.status == Inventory.Status.PUBLISHED
    assert inventory.published_by == shop["admin"] and inventory.published_at is not None
    assert current_inventory(shop["org"]) == inventory
    assert AuditEvent.objects.filter(action="inventory.publish", target_id=str(inventory.pk))


def test_a_what_if_run_is_a_draft_that_changes_nothing(shop):
    org = shop["org"]
    published = run_inventory(org, as_of=AS_OF)
    tiers_before = dict(Customer.objects.values_list("pk", "tier"))
    # A later what-if with other thresholds, after purchases that raise two tiers.
    make_order(shop["customers"][0], "20000", on=date(2024, 7, 1))
    make_order(shop["customers"][3], "10000", on=date(2024, 7, 1))
    draft = run_inventory(org, as_of=date(2024, 7, 31), thresholds="median")
    assert draft.status == Inventory.Status.DRAFT
    assert current_inventory(org) == published
    assert current_inventory(org.pk, on=date(2024, 8, 1)) == published
    assert dict(Customer.objects.values_list("pk", "tier")) == tiers_before
    # The draft's proposals do not exist, so nothing can be approved from it.
    assert not TierChange.objects.filter(status=TierChange.Status.PROPOSED).exists()
    assert draft.grades.count() == 4

    publish_inventory(draft.pk, actor=shop["admin"])
    draft.refresh_from_db()
    assert draft.status == Inventory.Status.PUBLISHED and draft.published_by == shop["admin"]
    assert current_inventory(org) == draft
    proposals = TierChange.objects.filter(status=TierChange.Status.PROPOSED, inventory=draft)
    assert {(p.customer.code, p.from_tier, p.to_tier) for p in proposals} == {
        ("k0", "B", "A"),
        ("k3", "B", "A"),
    }
    assert {p.basis_value for p in proposals} == {Decimal("32000"), Decimal("35000")}
    approve_upgrade(proposals.get(customer__code="k0").pk, actor=shop["admin"])
    assert Customer.objects.get(code="k0").tier == "A"
    event = AuditEvent.objects.get(action="inventory.publish", target_id=str(draft.pk))
    assert event.actor == shop["admin"] and event.data["upgrade_proposals"] == 2


def test_draft_and_publish_can_be_forced(shop):
    draft = run_inventory(shop["org"], as_of=AS_OF, publish=False)
    assert draft.status == Inventory.Status.DRAFT
    assert Customer.objects.filter(tier="").count() == 4  # no first tiers from a draft
    forced = run_inventory(shop["org"], as_of=AS_OF, thresholds="median", publish=True)
    assert forced.status == Inventory.Status.PUBLISHED
    assert Customer.objects.filter(tier="").count() == 0


def test_only_an_admin_publishes_and_only_once_and_never_behind_the_current_one(shop):
    org = shop["org"]
    old_draft = run_inventory(org, as_of=date(2024, 5, 31), publish=False)
    draft = run_inventory(org, as_of=AS_OF, publish=False)
    manager = make_staff(org, Role.STORE_MANAGER, store=shop["store"])
    with pytest.raises(PermissionDenied):
        publish_inventory(draft.pk, actor=manager)
    outsider = make_staff(make_org(), Role.ADMIN)
    with pytest.raises(PermissionDenied):
        publish_inventory(draft.pk, actor=outsider)
    publish_inventory(draft.pk, actor=shop["admin"])
    with pytest.raises(ValueError):
        publish_inventory(draft.pk, actor=shop["admin"])
    with pytest.raises(ValueError):
        publish_inventory(old_draft.pk, actor=shop["admin"])
    old_draft.refresh_from_db()
    assert old_draft.status == Inventory.Status.DRAFT


def test_call_lists_follow_the_published_inventory_not_a_newer_draft(shop):
    org = shop["org"]
    install_default_strategies(org)
    caller = make_staff(org, Role.CALLER, store=shop["store"])
    caller.department = Department.objects.create(
        organization=org, kind="customer_service", name="客服部"
    )
    caller.save()
    Customer.objects.update(mobile="+8613800000000", phone_status="valid")
    draft = run_inventory(org, as_of=AS_OF, publish=False)
    assert generate_call_lists(org, date=date(2024, 7, 1)).created == 0
    publish_inventory(draft.pk)
    assert generate_call_lists(org, date=date(2024, 7, 2)).created > 0


def _proposals(shop, n):
    """`n` open proposals (C → B) in the first store, straight from a published run."""
    org = shop["org"]
    run_inventory(org, as_of=AS_OF)
    for i in range(n):
        c = make_customer(org, f"u{i}", home_store=shop["store"], tier="C")
        make_order(c, "10000", on=date(2024, 6, 2))
    run_inventory(org, as_of=date(2024, 7, 1))
    return TierChange.objects.filter(status=TierChange.Status.PROPOSED, to_tier="B")


def test_a_store_manager_approves_many_in_one_audited_action(shop):
    proposals = _proposals(shop, 7)
    assert proposals.count() == 7
    manager = make_staff(shop["org"], Role.STORE_MANAGER, store=shop["store"])
    chosen = list(proposals.order_by("pk").values_list("pk", flat=True)[:5])
    assert decide_upgrades(manager, approve=True, change_ids=chosen, note="ok") == 5
    assert Customer.objects.filter(pk__in=proposals.values("customer_id"), tier="B").count() == 0
    approved = TierChange.objects.filter(pk__in=chosen)
    assert {c.status for c in approved} == {TierChange.Status.APPROVED}
    assert Customer.objects.filter(tier_changes__pk__in=chosen, tier="B").count() == 5
    event = AuditEvent.objects.get(action="tier.upgrade.approve_many")
    assert event.actor == manager and event.data["count"] == 5
    # The rest, by filter, rejected at once.
    assert decide_upgrades(manager, approve=False, store_id=shop["store"].pk, to_tier="B") == 2
    assert AuditEvent.objects.get(action="tier.upgrade.reject_many").data["count"] == 2


def test_bulk_decisions_stop_at_the_deciders_stores(shop):
    proposals = _proposals(shop, 3)
    other_manager = make_staff(shop["org"], Role.STORE_MANAGER, store=shop["other"])
    ids = list(proposals.values_list("pk", flat=True))
    assert decide_upgrades(other_manager, approve=True, change_ids=ids) == 0
    supervisor = make_staff(shop["org"], Role.REGION_SUPERVISOR, region=make_region(shop["org"]))
    assert decide_upgrades(supervisor, approve=True) == 0
    assert proposals.count() == 3
    assert not AuditEvent.objects.filter(action="tier.upgrade.approve_many").exists()
