"""Timed journeys in a real browser: the admin opens the matrix, sets the date of the
store's event (its touch fires a week before, i.e. tomorrow), sends its invitation to
non-members too, adds a store task for tier A, and previews tomorrow's touches with the
messages the rules hold back (no consent) counted."""

from datetime import timedelta

from revisit.core.clock import local_date
from revisit.customers.consents import set_consent
from revisit.demo import DEMO_PASSWORD
from revisit.journeys.models import Journey, JourneyFiring, StoreTask
from revisit.journeys.tick import run_day
from tests.journeys.conftest import Shop
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_the_admin_edits_a_journey_and_previews_tomorrow(browser, live_server):
    shop = Shop()
    shop.admin.set_password(DEMO_PASSWORD)
    shop.admin.save()
    set_consent(shop.people["NM"], actor=shop.admin, channel="sms", granted=False, source="电话")
    event = Journey.objects.get(organization=shop.org, trigger="event")
    tomorrow = local_date(shop.org) + timedelta(days=1)

    page = log_in(browser, live_server, shop.admin.username)
    page.goto(f"{live_server.url}/settings/journeys/")
    matrix = page.inner_text("#journey-matrix")
    assert "春节，当天" in matrix and "门店任务：上门赠送春节礼品" in matrix
    shot(page, "journeys-matrix")
    page.click(f"#journey-{event.pk} .edit-journey")
    page.wait_for_selector("#journey-form")
    page.fill("input[name=j-event_on]", (tomorrow + timedelta(days=7)).isoformat())
    page.check("input[name=j-is_active]")
    # Row 1 is the invitation SMS: to members and non-members.
    page.select_option("select[name=a-1-membership]", label="会员与非会员")
    # An empty row: a store task for tier A.
    page.select_option("select[name=a-2-kind]", label="门店任务")
    page.select_option("select[name=a-2-tier]", label="A")
    page.fill("input[name=a-2-task]", "送鲜花果篮")
    page.fill("input[name=a-2-due_days]", "1")
    # Row 0 (the call) is removed.
    page.check("input[name=a-0-DELETE]")
    shot(page, "journey-edit")
    page.click("#journey-form button[type=submit]")
    page.wait_for_selector("#journey-matrix")
    row = page.inner_text(f"#journey-{event.pk}")
    assert "送鲜花果篮" in row and "电话回访" not in row
    assert "提前 7 天" in row

    page.click("#preview-tomorrow")
    page.wait_for_selector("#preview-summary")
    assert tomorrow.isoformat() in page.inner_text("h1")
    counts = page.inner_text("#suppression-counts")
    assert "无授权 1" in counts
    touches = page.inner_text("#preview-touches")
    assert "活动邀请短信" in touches and "送鲜花果篮" in touches
    assert "店庆活动前一周" in touches
    shot(page, "journeys-preview-tomorrow")
    # A preview fires nothing.
    assert not JourneyFiring.objects.exists()

    # Another day through the form: 春节 2027.
    page.fill("#preview-form input[name=date]", "2027-02-06")
    page.click("#preview-form button[type=submit]")
    page.locator("h1", has_text="2027-02-06").wait_for()
    assert "上门赠送春节礼品" in page.inner_text("#preview-touches")
    # A date typed wrong on the preview: tomorrow still shown.
    page.goto(f"{live_server.url}/settings/journeys/preview/?date=2026-02-30")
    page.wait_for_selector("#preview-summary")
    assert tomorrow.isoformat() in page.inner_text("h1")

    # The tick fires tomorrow's touches; the store marks its task done.
    run_day(shop.org, tomorrow)
    page.click("nav >> text=门店任务")
    page.wait_for_selector("#store-tasks")
    task = StoreTask.objects.get(organization=shop.org, title="送鲜花果篮")
    assert "送鲜花果篮" in page.inner_text(f"#store-task-{task.pk}")
    page.click(f"#store-task-{task.pk} .task-done")
    page.locator(".messages, #messages, body", has_text="已完成").first.wait_for()
    assert page.locator(f"#store-task-{task.pk}").count() == 0
    task.refresh_from_db()
    assert task.status == "done"
    page.click("#done-tasks")
    page.wait_for_selector(f"#store-task-{task.pk}")
    shot(page, "store-tasks-done")
