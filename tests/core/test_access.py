"""Each role sees exactly its scope, inside its own organization."""

from datetime import date

import pytest
from django.http import Http404

from revisit.core.access import (
    get_customer_or_404,
    visible_customers,
    visible_order_lines,
    visible_orders,
)
from revisit.core.models import Role, RoleAssignment
from revisit.outreach.models import CallTask
from tests.factories import (
    make_customer,
    make_order,
    make_org,
    make_region,
    make_staff,
    make_store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two regions; region N has stores N1 and N2, region S has store S1; a second org."""
    org = make_org()
    north, south = make_region(org, "N"), make_region(org, "S")
    n1, n2 = make_store(org, "N1", north), make_store(org, "N2", north)
    s1 = make_store(org, "S1", south)
    consultant = make_staff(org, Role.CONSULTANT, store=n1)
    other_consultant = make_staff(org, Role.CONSULTANT, store=n1)
    customers = {
        "n1_mine": make_customer(org, "N1-A", home_store=n1, owner=consultant),
        "n1_other": make_customer(org, "N1-B", home_store=n1, owner=other_consultant),
        "n2": make_customer(org, "N2-A", home_store=n2),
        "s1": make_customer(org, "S1-A", home_store=s1),
        "no_store": make_customer(org, "X-A"),
    }
    for c in customers.values():
        make_order(c, "100")
    other_org = make_org()
    other_store = make_store(other_org, "N1")
    foreign = make_customer(other_org, "N1-A", home_store=other_store)
    make_order(foreign, "999")
    return {
        "org": org,
        "regions": {"N": north, "S": south},
        "stores": {"N1": n1, "N2": n2, "S1": s1},
        "consultant": consultant,
        "customers": customers,
        "foreign": foreign,
    }


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_admin_sees_whole_organization_and_nothing_else(world):
    admin = make_staff(world["org"], Role.ADMIN)
    assert codes(visible_customers(admin)) == ["N1-A", "N1-B", "N2-A", "S1-A", "X-A"]
    assert visible_orders(admin).count() == 5
    assert world["foreign"].pk not in visible_orders(admin).values_list("customer_id", flat=True)


def test_region_supervisor_sees_the_regions_stores(world):
    sup = make_staff(world["org"], Role.REGION_SUPERVISOR, region=world["regions"]["N"])
    assert codes(visible_customers(sup)) == ["N1-A", "N1-B", "N2-A"]


def test_store_manager_sees_the_store(world):
    mgr = make_staff(world["org"], Role.STORE_MANAGER, store=world["stores"]["N2"])
    assert codes(visible_customers(mgr)) == ["N2-A"]
    assert visible_order_lines(mgr).count() == 1


def test_consultant_sees_only_owned_customers(world):
    assert codes(visible_customers(world["consultant"])) == ["N1-A"]
    assert [o.customer.code for o in visible_orders(world["consultant"])] == ["N1-A"]


def test_caller_sees_customers_on_their_call_lists_only(world):
    caller = make_staff(world["org"], Role.CALLER, store=world["stores"]["N1"])
    assert codes(visible_customers(caller)) == []
    for key, status in [("n2", "open"), ("s1", "done"), ("no_store", "cancelled")]:
        CallTask.objects.create(
            organization=world["org"],
            customer=world["customers"][key],
            assignee=caller,
            due_date=date(2024, 5, 2),
            status=status,
        )
    assert codes(visible_customers(caller)) == ["N2-A", "S1-A"]


def test_practitioner_sees_customers_they_served(world):
    doc = make_staff(world["org"], Role.PRACTITIONER, store=world["stores"]["S1"])
    make_order(world["customers"]["s1"], "50", practitioner=doc)
    assert codes(visible_customers(doc)) == ["S1-A"]


def test_roles_combine_as_a_union_without_duplicates(world):
    staff = world["consultant"]
    RoleAssignment.objects.create(staff=staff, role=Role.STORE_MANAGER, store=world["stores"]["S1"])
    assert codes(visible_customers(staff)) == ["N1-A", "S1-A"]


def test_staff_without_role_or_inactive_sees_nothing(world):
    assert visible_customers(make_staff(world["org"])).count() == 0
    admin = make_staff(world["org"], Role.ADMIN)
    admin.is_active = False
    admin.save()
    assert visible_customers(admin).count() == 0


def test_forbidden_and_missing_both_look_missing(world):
    consultant = world["consultant"]
    assert get_customer_or_404(consultant, code="N1-A").code == "N1-A"
    with pytest.raises(Http404):
        get_customer_or_404(consultant, code="N1-B")  # exists, not theirs
    with pytest.raises(Http404):
        get_customer_or_404(consultant, code="NOPE")  # does not exist
    with pytest.raises(Http404):
        get_customer_or_404(consultant, pk=world["foreign"].pk)  # other organization


def test_organization_records_of_another_organization_are_404(client):
    from revisit.core.models import Role
    from revisit.grading.models import Inventory
    from revisit.outreach.models import Cadence, Strategy
    from tests.factories import make_org, make_staff

    mine, theirs = make_org(), make_org()
    admin = make_staff(mine, Role.ADMIN)
    cadence = Cadence.objects.create(organization=theirs, key="k1", name="别家节奏", days=[1])
    strategy = Strategy.objects.create(organization=theirs, target="A1", name="别家策略")
    inventory = Inventory.objects.create(organization=theirs, as_of="2024-05-01")
    client.force_login(admin)
    for url in [
        f"/settings/cadences/{cadence.pk}/",
        f"/settings/cadences/{cadence.pk}/delete/",
        f"/strategies/{strategy.pk}/",
        f"/inventories/{inventory.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
