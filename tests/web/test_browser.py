"""Real-browser flows: Playwright driving Debian's Chromium against a live server.

Each test leaves screenshots of the pages it visits under screenshots/ at the top of the
checkout.
"""

from datetime import timedelta

from revisit.appointments.models import Appointment
from revisit.core.clock import local_date
from revisit.grading.models import TierChange
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_consultant_records_valid_1_and_sees_the_appointment_and_progress(
    browser, live_server, demo_live
):
    page = log_in(browser, live_server, "consultant1")
    assert page.url.endswith("/queue/")
    shot(page, "queue")
    assert page.locator("#calls-progress").inner_text().startswith("0/30")
    task = page.locator(".task").first
    task_id = task.get_attribute("id")
    task.locator("select[name=outcome]").select_option("valid_1")
    when = task.locator("input[name=appointment_at]")
    when.wait_for()
    tomorrow = local_date(demo_live) + timedelta(days=1)
    when.fill(f"{tomorrow}T10:30")
    task.locator("button[type=submit]").click()
    page.locator(f"#{task_id} [data-outcome=valid_1]").wait_for()
    assert page.locator("#calls-progress").inner_text().startswith("1/30")
    assert page.locator("#appointments-progress").inner_text().startswith("1/3")
    shot(page, "queue-after-valid-1")
    appointment = Appointment.objects.get()
    assert local_date(demo_live, appointment.starts_at) == tomorrow


def test_inventory_chart_renders_and_a_manager_approves_an_upgrade(browser, live_server, demo_live):
    page = log_in(browser, live_server, "admin")
    shot(page, "home-admin")
    page.goto(f"{live_server.url}/inventories/")
    page.fill("input[name=as_of]", str(local_date(demo_live)))
    page.click("#run-inventory button[type=submit]")
    page.wait_for_url("**/inventories/*/")
    chart = page.locator("#segment-chart canvas")
    chart.wait_for()
    page.wait_for_function("document.querySelector('#segment-chart').dataset.drawn === '1'")
    painted = chart.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
                  return n; }"""
    )
    assert painted > 1000, "the segment chart's canvas is blank"
    shot(page, "inventory")
    page.goto(page.url + "movements/")
    page.locator("#sankey-chart canvas").wait_for()
    shot(page, "movements")

    manager = log_in(browser, live_server, "manager1")
    store = demo_live.staff.get(username="manager1").role_assignments.get().store
    proposal = TierChange.objects.filter(status="proposed", store=store).first()
    assert proposal is not None
    manager.goto(f"{live_server.url}/inventories/")
    manager.locator(f"#proposal-{proposal.pk} button[value=approve]").click()
    # The panel is swapped in by htmx: wait for the row to go (a loaded machine is slow).
    manager.locator(f"#proposal-{proposal.pk}").wait_for(state="detached")
    shot(manager, "upgrades-after-approval")
    proposal.refresh_from_db()
    assert proposal.status == TierChange.Status.APPROVED


def test_import_through_the_upload_page_shows_the_rejected_row(
    browser, live_server, demo_live, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    file = tmp_path / "新客户.csv"
    file.write_text(
        "客户编号,姓名,手机\nN001,陈一,13811112222\nN002,林二,999\nN003,周三,13833334444\n",
        encoding="utf-8-sig",
    )
    page = log_in(browser, live_server, "manager1")
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("input[name=file]", str(file))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#mapping")
    shot(page, "import-preview")
    page.click("#confirm-import")
    page.wait_for_selector("#counts")
    assert page.locator("[data-count=read]").inner_text() == "3"
    assert page.locator("[data-count=imported]").inner_text() == "2"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    rejected = page.locator("#rejects tbody tr").first.inner_text()
    assert "3" in rejected and "999" in rejected
    shot(page, "import-result")


def test_every_page_renders_in_chinese_for_screenshots(browser, live_server, demo_live):
    page = log_in(browser, live_server, "admin")
    for name, path in [
        ("customers", "/customers/"),
        ("daily-report", "/reports/daily/"),
        ("strategies", "/strategies/"),
        ("imports", "/imports/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        shot(page, name)
    page.goto(f"{live_server.url}/customers/")
    page.locator("#results tbody tr a").first.click()
    page.wait_for_selector("#explanation")
    shot(page, "customer")
