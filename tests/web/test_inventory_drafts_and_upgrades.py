"""Draft inventories on the pages, the upgrade approvals page, and bad parameters on the
inventory pages (400/404 with a message, never a 500). Small organizations built here;
only the what-if test needs the demo."""

from datetime import date

import pytest

from revisit.core.clock import local_date
from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.grading.models import Inventory, TierChange
from revisit.grading.services import run_inventory
from tests.factories import make_customer, make_order, make_org, make_region, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """60 open upgrades (C → B) in store S1, 3 in store S2."""
    org = make_org()
    region = make_region(org)
    s1, s2 = make_store(org, "S1", region), make_store(org, "S2", region)
    people = {
        "admin": make_staff(org, Role.ADMIN),
        "manager": make_staff(org, Role.STORE_MANAGER, store=s1),
        "supervisor": make_staff(org, Role.REGION_SUPERVISOR, region=region),
    }
    for i in range(63):
        c = make_customer(org, f"u{i:03d}", home_store=s1 if i < 60 else s2, tier="C")
        make_order(c, "12000", on=date(2024, 6, 2))
    run_inventory(org, as_of=date(2024, 7, 1))
    return {"org": org, "s1": s1, "s2": s2, **people}


def test_the_date_field_shows_todays_date_in_the_inputs_format(client, shop):
    client.force_login(shop["admin"])
    page = client.get("/inventories/").content.decode()
    assert f'type="date" name="as_of" value="{local_date(shop["org"]).isoformat()}"' in page


@pytest.mark.parametrize(
    "day, message",
    [
        ("2024-02-30", "有效的日期"),
        ("2024-13-45", "有效的日期"),
        ("9999-12-31", "将来"),
        ("0001-01-01", "1900"),
    ],
)
def test_a_bad_date_is_refused_with_a_message_and_runs_nothing(client, shop, day, message):
    client.force_login(shop["admin"])
    response = client.post("/inventories/", {"as_of": day})
    assert response.status_code == 400
    assert message in str(response.context["form"].errors["as_of"])
    assert Inventory.objects.count() == 1


def test_bad_parameters_on_the_inventory_pages_answer_400_or_404(client, shop):
    client.force_login(shop["admin"])
    pk = Inventory.objects.get().pk
    huge = "99999999999999999999999"
    for url in [f"/inventories/{pk}/movements/?from=abc", f"/inventories/{pk}/moved/?from=abc"]:
        response = client.get(url)
        assert response.status_code == 400
        assert (
            "abc" in response.content.decode() and 'id="bad-parameter"' in response.content.decode()
        )
    assert client.get(f"/inventories/{pk}/moved/").status_code == 400
    assert client.get(f"/inventories/{pk}/movements/?from={huge}").status_code == 400
    assert client.get(f"/inventories/{huge}/").status_code == 404
    assert client.get(f"/inventories/{huge}/movements/").status_code == 404
    assert client.get(f"/inventories/{pk}/movements/?from=12345").status_code == 404
    assert client.get(f"/upgrades/?page={huge}").status_code == 400
    assert client.get("/upgrades/?page=abc").status_code == 400
    response = client.get("/upgrades/?page=3")
    assert response.status_code == 404 and "3" in response.content.decode()
    assert client.get("/upgrades/?store=abc").status_code == 400
    assert client.post(f"/upgrades/{huge}/decide/", {"decision": "approve"}).status_code == 404
    response = client.post("/upgrades/decide/", {"action": "approve_selected", "ids": [huge]})
    assert response.status_code == 400
    assert TierChange.objects.filter(status="approved").count() == 0


def test_upgrades_come_50_a_page_with_their_reason(client, shop):
    client.force_login(shop["manager"])
    response = client.get("/upgrades/")
    page = response.content.decode()
    assert response.context["page"].paginator.count == 60
    assert len(response.context["rows"]) == 50 and 'id="upgrade-pager"' in page
    assert len(client.get("/upgrades/?page=2").context["rows"]) == 10
    # The rule column: spend against the tier's threshold, and since when.
    reason = response.context["rows"][0].reason
    assert reason.startswith("累计消费 ¥12,000，B 类起点 ¥10,000；自 ") and "待审批" in reason
    assert f'<td class="reason">{reason}</td>' in page


def test_the_store_manager_approves_the_selected_in_one_audited_action_in_place(client, shop):
    client.force_login(shop["manager"])
    rows = client.get("/upgrades/").context["rows"]
    chosen = [p.pk for p in rows[:50]]
    response = client.post(
        "/upgrades/decide/",
        {"action": "approve_selected", "ids": chosen, "page": "1"},
        headers={"HX-Request": "true"},
    )
    # htmx gets the refreshed panel in place, not a redirect to the top.
    assert response.status_code == 200
    assert response.templates[0].name == "web/upgrades/panel.html"
    body = response.content.decode()
    assert 'id="upgrades-panel"' in body and "<html" not in body
    assert len(response.context["rows"]) == 10
    assert Customer.objects.filter(tier="B").count() == 50
    event = AuditEvent.objects.get(action="tier.upgrade.approve_many")
    assert event.data["count"] == 50 and event.actor == shop["manager"]


def test_reject_all_matching_a_filter_stops_at_the_filter_and_the_store(client, shop):
    client.force_login(shop["admin"])
    response = client.post(
        "/upgrades/decide/", {"action": "reject_matching", "store": shop["s2"].pk}
    )
    assert response.status_code == 302
    assert TierChange.objects.filter(status="rejected").count() == 3
    client.force_login(shop["manager"])
    client.post("/upgrades/decide/", {"action": "approve_matching", "tier": "B"})
    assert TierChange.objects.filter(status="approved", store=shop["s1"]).count() == 60


def test_a_region_supervisor_reads_upgrades_without_buttons(client, shop):
    client.force_login(shop["supervisor"])
    response = client.get("/upgrades/")
    page = response.content.decode()
    assert response.status_code == 200 and response.context["page"].paginator.count == 63
    assert "approve_selected" not in page and 'name="decision"' not in page
    assert 'name="ids"' not in page
    pk = TierChange.objects.filter(status="proposed").first().pk
    assert client.post("/upgrades/decide/", {"action": "approve_matching"}).status_code == 403
    assert client.post(f"/upgrades/{pk}/decide/", {"decision": "approve"}).status_code == 403
    assert not TierChange.objects.filter(status="approved").exists()


def test_a_what_if_run_is_a_draft_that_the_admin_publishes(client, shop):
    client.force_login(shop["admin"])
    org = shop["org"]
    published = Inventory.objects.get()
    response = client.post("/inventories/", {"as_of": "2024-07-02", "method": "median"})
    done = client.get(response["Location"], headers={"HX-Request": "true"})
    draft = Inventory.objects.latest("id")
    assert done["HX-Redirect"] == f"/inventories/{draft.pk}/"
    page = client.get(done["HX-Redirect"]).content.decode()
    assert "盘点已完成" in page  # said after a run, even when the page polled with htmx
    assert draft.status == "draft" and 'id="draft-notice"' in page and 'id="publish"' in page
    assert client.get("/").context["inventory"] == published
    # Movements of the draft compare with the published inventory of an earlier date.
    assert client.get(f"/inventories/{draft.pk}/movements/").context["before"] == published
    manager = shop["manager"]
    client.force_login(manager)
    assert client.post(f"/inventories/{draft.pk}/publish/").status_code == 403
    assert 'id="publish"' not in client.get(f"/inventories/{draft.pk}/").content.decode()
    client.force_login(shop["admin"])
    response = client.post(f"/inventories/{draft.pk}/publish/", follow=True)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_by == shop["admin"]
    assert "已发布" in response.content.decode()
    assert AuditEvent.objects.filter(action="inventory.publish", target_id=str(draft.pk)).exists()
    assert client.get("/").context["inventory"] == draft
    assert Inventory.objects.filter(organization=org).count() == 2


def test_a_draft_changes_neither_the_customer_page_nor_the_segment_filter(client, shop):
    client.force_login(shop["admin"])
    customer = Customer.objects.get(code="u000")
    published_grade = customer.grades.get()
    fixed = {"recency_days": "1", "frequency": "5", "monetary": "100000"}
    draft = run_inventory(shop["org"], as_of=date(2024, 7, 2), thresholds=fixed)
    draft_grade = draft.grades.get(customer=customer)
    assert draft_grade.segment != published_grade.segment  # the what-if grades differently
    assert client.get(f"/customers/{customer.pk}/").context["current"] == published_grade
    found = client.get("/customers/", {"segment": published_grade.segment}).context
    assert customer in [c for c in found["customers"]]


def test_movements_compare_with_the_previous_published_inventory_skipping_drafts(client, shop):
    client.force_login(shop["admin"])
    first = Inventory.objects.get()
    run_inventory(shop["org"], as_of=date(2024, 7, 2), thresholds="median")  # a draft between
    later = run_inventory(shop["org"], as_of=date(2024, 7, 3))
    assert later.status == "published"
    assert client.get(f"/inventories/{later.pk}/movements/").context["before"] == first
    assert client.get(f"/inventories/{later.pk}/").context["compare_default"] == first
