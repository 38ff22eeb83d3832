"""Real-browser flows of inventories: a store manager approves 50 upgrades in one action
and stays where she was; the admin runs a what-if (draft) inventory and publishes it.
Screenshots of every new page land under screenshots/."""

from datetime import timedelta

from revisit.core.clock import local_date
from revisit.grading.models import Inventory, TierChange
from revisit.grading.services import run_inventory
from tests.factories import make_customer, make_order
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _more_upgrades(org, store, n):
    """`n` customers of `store` whose spend now reaches tier B, proposed by a new
    published inventory."""
    today = local_date(org)
    for i in range(n):
        customer = make_customer(org, f"UP{i:03d}", home_store=store, tier="C")
        make_order(customer, "12000", on=today - timedelta(days=3), store=store)
    run_inventory(org, as_of=today, publish=True)


def test_a_store_manager_approves_50_upgrades_in_one_action(browser, live_server, demo_live):
    assert set(demo_live.inventories.values_list("status", flat=True)) == {"published"}
    manager_staff = demo_live.staff.get(username="manager1")
    store = manager_staff.role_assignments.get().store
    _more_upgrades(demo_live, store, 55)
    open_before = TierChange.objects.filter(status="proposed", store=store).count()
    assert open_before >= 55

    page = log_in(browser, live_server, "manager1")
    page.goto(f"{live_server.url}/upgrades/?store={store.pk}")
    rows = page.locator("#upgrades tbody tr")
    assert rows.count() == 50
    assert page.locator("#upgrade-pager").is_visible()
    reasons = page.locator("#upgrades td.reason").all_inner_texts()
    assert any("B 类起点" in reason for reason in reasons), reasons[:3]
    shot(page, "upgrades")
    first_ids = [r.get_attribute("id") for r in rows.all()]
    page.evaluate("window.stayed = true")  # gone if the page reloads
    page.check("#select-all")
    page.click("button[value=approve_selected]")
    page.locator("#upgrades-panel .messages").wait_for()
    assert page.evaluate("window.stayed === true"), "the page reloaded instead of acting in place"
    assert "已批准 50 条升级" in page.locator("#upgrades-panel .messages").inner_text()
    for row_id in first_ids:
        assert page.locator(f"#{row_id}").count() == 0
    assert TierChange.objects.filter(status="proposed", store=store).count() == open_before - 50
    assert TierChange.objects.filter(status="approved", decided_by=manager_staff).count() == 50
    shot(page, "upgrades-after-bulk-approval")

    supervisor = log_in(browser, live_server, "supervisor")
    supervisor.goto(f"{live_server.url}/upgrades/")
    supervisor.locator("#upgrades").wait_for()
    assert supervisor.locator("#upgrades button, #upgrades input[type=checkbox]").count() == 0
    assert supervisor.locator("button[value=approve_selected]").count() == 0
    shot(supervisor, "upgrades-supervisor-read-only")


def test_the_admin_runs_a_what_if_draft_and_publishes_it(browser, live_server, demo_live):
    published = Inventory.objects.filter(organization=demo_live).latest("as_of", "id")
    page = log_in(browser, live_server, "admin")
    page.goto(f"{live_server.url}/inventories/")
    today = local_date(demo_live).isoformat()
    assert page.input_value("input[name=as_of]") == today  # the date field is not empty
    page.select_option("select[name=method]", "median")
    page.click("#run-inventory button[type=submit]")
    page.wait_for_url("**/inventories/*/")
    assert "盘点已完成" in page.locator(".messages").inner_text()
    assert page.locator("#draft-notice").is_visible()
    assert "草稿" in page.locator("h1").inner_text()
    draft = Inventory.objects.filter(organization=demo_live).latest("id")
    assert draft.status == "draft" and draft != published
    shot(page, "inventory-draft")

    page.goto(f"{live_server.url}/inventories/")
    assert "草稿" in page.locator("table").first.inner_text()
    shot(page, "inventories-with-draft")

    page.goto(f"{live_server.url}/inventories/{draft.pk}/movements/?from=abc")
    assert "不是有效的编号" in page.locator("#bad-parameter").inner_text()
    shot(page, "bad-parameter")

    page.goto(f"{live_server.url}/inventories/{draft.pk}/")
    page.click("#publish")
    page.wait_for_load_state()
    assert "已发布" in page.locator(".messages").inner_text()
    assert page.locator("#draft-notice").count() == 0
    draft.refresh_from_db()
    assert draft.status == "published"
    shot(page, "inventory-published")
