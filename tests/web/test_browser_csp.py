"""Under the Content-Security-Policy, every page's scripts still run: no page logs a
policy violation, htmx works and the charts paint."""

from revisit.grading.models import Inventory
from tests.web.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def violations_while_visiting(page, url):
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else 0)
    page.goto(url)
    # Every script has run: the page has loaded (goto), no htmx request is still on its
    # way, and the API docs have fetched the schema and drawn its operations.
    page.wait_for_function("!document.querySelector('.htmx-request')")
    if url.endswith("/api/docs"):
        page.locator("#swagger-ui .opblock").first.wait_for()
    return seen


def test_no_page_breaks_the_policy(browser, live_server, demo_live):
    latest = Inventory.objects.filter(organization=demo_live).order_by("-as_of").first()
    admin = log_in(browser, live_server, "admin")
    for path in [
        "/",
        "/customers/",
        f"/inventories/{latest.pk}/",
        f"/inventories/{latest.pk}/movements/",
        "/reports/daily/",
        "/imports/",
        "/staff/",
        "/audit/",
        "/api/docs",
    ]:
        assert violations_while_visiting(admin, f"{live_server.url}{path}") == [], path
        assert "/accounts/login/" not in admin.url, path
    admin.goto(f"{live_server.url}/inventories/{latest.pk}/")
    admin.wait_for_function("document.querySelector('#segment-chart').dataset.drawn === '1'")
    consultant = log_in(browser, live_server, "consultant1")
    assert violations_while_visiting(consultant, f"{live_server.url}/queue/") == []
    # htmx runs: choosing an outcome loads its fields in place.
    task = consultant.locator(".task").first
    task.locator("select[name=outcome]").select_option("valid_1")
    task.locator("input[name=appointment_at]").wait_for()
