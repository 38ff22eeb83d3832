"""Running an inventory from the page, reading its tables, approving an upgrade."""

import io

import openpyxl
import pytest

from revisit.core.models import AuditEvent
from revisit.customers.models import Customer
from revisit.grading.models import Inventory, TierChange
from tests.factories import Role, make_org, make_staff

pytestmark = pytest.mark.django_db


def test_an_admin_runs_an_inventory_and_lands_on_its_tables(client, demo):
    client.force_login(demo["admin"])
    before = Inventory.objects.count()
    response = client.post(
        "/inventories/", {"as_of": "2025-06-30", "window_months": "24", "method": "median"}
    )
    assert response["Location"].startswith("/inventories/running/")
    inventory = Inventory.objects.latest("id")
    assert Inventory.objects.count() == before + 1
    done = client.get(response["Location"])
    assert done["Location"] == f"/inventories/{inventory.pk}/"
    polled = client.get(response["Location"], headers={"HX-Request": "true"})
    assert polled["HX-Redirect"] == f"/inventories/{inventory.pk}/"
    # Nobody outside the organization can follow someone's job.
    stranger = make_staff(make_org(), Role.ADMIN)
    client.force_login(stranger)
    assert client.get(response["Location"]).status_code == 404
    client.force_login(demo["admin"])
    assert inventory.config["thresholds"] == "median" and inventory.config["window_months"] == 24
    page = client.get(done["Location"]).content.decode()
    assert "2025年6月30日" in page and 'id="owners"' in page


def test_a_bad_thresholds_mode_is_explained_and_runs_nothing(client, demo):
    client.force_login(demo["admin"])
    before = Inventory.objects.count()
    for bad in [
        {"method": "average"},
        {"method": "quantile"},
        {"method": "quantile", "quantile": "1.5"},
        {"method": "fixed", "fixed_recency": "90"},
        {"method": "fixed", "fixed_recency": "-1", "fixed_frequency": "3", "fixed_monetary": "1"},
    ]:
        response = client.post("/inventories/", {"as_of": "2025-06-30", **bad})
        assert response.status_code == 400 and Inventory.objects.count() == before, bad
        assert response.context["form"].errors, bad


def test_fixed_thresholds_from_the_form(client, demo):
    client.force_login(demo["admin"])
    client.post(
        "/inventories/",
        {
            "as_of": "2025-06-30",
            "method": "fixed",
            "fixed_recency": "90",
            "fixed_frequency": "3",
            "fixed_monetary": "5000",
        },
    )
    inventory = Inventory.objects.latest("id")
    assert float(inventory.thresholds["recency_days"]) == 90
    assert float(inventory.thresholds["frequency"]) == 3
    page = client.get(f"/inventories/{inventory.pk}/").content.decode()
    assert "固定值" in page


def test_a_quantile_run_is_labelled_in_words(client, demo):
    client.force_login(demo["admin"])
    client.post("/inventories/", {"as_of": "2025-06-30", "method": "quantile", "quantile": "0.6"})
    inventory = Inventory.objects.latest("id")
    assert inventory.config["thresholds"] == "quantile:0.6"
    listing = client.get("/inventories/").content.decode()
    assert "分位数 0.6" in listing and "quantile:" not in listing


def test_a_store_manager_may_not_run_but_sees_only_the_store_in_the_tables(client, demo):
    manager = demo["manager1"]
    client.force_login(manager)
    assert client.post("/inventories/", {"as_of": "2025-06-30"}).status_code == 403
    latest = Inventory.objects.filter(organization=demo["org"]).latest("as_of")
    response = client.get(f"/inventories/{latest.pk}/")
    shown = sum(r["count"] for r in response.context["segments"])
    store = manager.role_assignments.get().store
    assert shown == latest.grades.filter(customer__home_store=store).count()
    assert shown < latest.customer_count


def test_segment_table_downloads_as_xlsx_with_an_audit_event(client, demo):
    client.force_login(demo["admin"])
    latest = Inventory.objects.filter(organization=demo["org"]).latest("as_of")
    response = client.get(f"/inventories/{latest.pk}/", {"export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert [r[0] for r in rows[1:]] == ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "none"]
    assert sum(r[2] for r in rows[1:]) == latest.customer_count
    assert AuditEvent.objects.filter(action="export", data__rows=9).exists()


def test_a_movement_cell_opens_its_customers(client, demo):
    client.force_login(demo["admin"])
    earlier, latest = Inventory.objects.filter(organization=demo["org"]).order_by("as_of")
    matrix = client.get(f"/inventories/{latest.pk}/movements/").context["matrix"]
    row = next(r for r in matrix if any(n for _, n in r["cells"]))
    to_class, n = next((c, n) for c, n in row["cells"] if n)
    response = client.get(
        f"/inventories/{latest.pk}/moved/",
        {"from": earlier.pk, "from_class": row["from"], "to_class": to_class},
    )
    assert len(response.context["grades"]) == n


def test_the_store_manager_approves_an_upgrade_and_the_tier_changes(client, demo):
    manager = demo["manager1"]
    store = manager.role_assignments.get().store
    proposal = TierChange.objects.filter(status=TierChange.Status.PROPOSED, store=store).first()
    assert proposal is not None, "the demo should leave upgrades to approve"
    client.force_login(manager)
    page = client.get("/upgrades/").content.decode()
    assert f'id="proposal-{proposal.pk}"' in page
    client.post(f"/upgrades/{proposal.pk}/decide/", {"decision": "approve", "note": "ok"})
    proposal.refresh_from_db()
    assert proposal.status == TierChange.Status.APPROVED and proposal.decided_by == manager
    assert Customer.objects.get(pk=proposal.customer_id).tier == proposal.to_tier


def test_another_stores_manager_cannot_decide(client, demo):
    store = demo["manager1"].role_assignments.get().store
    proposal = TierChange.objects.filter(status=TierChange.Status.PROPOSED, store=store).first()
    client.force_login(demo["manager2"])
    response = client.post(f"/upgrades/{proposal.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == TierChange.Status.PROPOSED


def test_movements_compare_with_an_earlier_date_by_default(client, demo):
    client.force_login(demo["admin"])
    earlier, latest = Inventory.objects.filter(organization=demo["org"]).order_by("as_of")
    client.post("/inventories/", {"as_of": latest.as_of.isoformat()})
    same_day = Inventory.objects.latest("id")
    response = client.get(f"/inventories/{same_day.pk}/movements/")
    assert response.context["before"] == earlier
