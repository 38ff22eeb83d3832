"""Real-browser flows of the call queue, the customer page and exports: 显示号码 shows
the full number, an outcome refused for a missing field keeps what was typed, and a
full-number export asks for a reason."""

import io
from datetime import timedelta

import openpyxl
import pytest

from revisit.core.clock import local_date
from revisit.core.models import AuditEvent, Role
from revisit.demo import DEMO_PASSWORD
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def person(org, role, store):
    staff = make_staff(org, role, store=store)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


@pytest.fixture
def clinic(transactional_db):
    """A consultant with one task of today, and her store's manager."""
    org = make_org()
    store = make_store(org)
    consultant = person(org, Role.CONSULTANT, store)
    customer = make_customer(
        org, name="王女士", mobile="+8613812345678", home_store=store, owner=consultant
    )
    today = local_date(org)
    task = CallTask.objects.create(
        organization=org, customer=customer, assignee=consultant, due_date=today
    )
    return {
        "task": task,
        "customer": customer,
        "consultant": consultant,
        "manager": person(org, Role.STORE_MANAGER, store),
        "today": today,
    }


def test_show_number_on_the_queue_and_the_customer_page(browser, live_server, clinic):
    task, customer = clinic["task"], clinic["customer"]
    page = log_in(browser, live_server, clinic["consultant"].username)
    page.goto(f"{live_server.url}/queue/")
    phone = page.locator(f"#phone-{task.pk}")
    assert "138****5678" in phone.inner_text()
    card = page.locator(f"#task-{task.pk}")
    card.get_by_role("button", name="显示号码").click()
    link = phone.locator('a[href="tel:+8613812345678"]')
    link.wait_for(timeout=5000)
    assert "13812345678" in link.inner_text().replace(" ", "")
    assert card.get_by_role("button", name="显示号码").count() == 0
    shot(page, "queue-number-shown")

    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.get_by_role("button", name="显示号码").click()
    page.locator('#phone a[href="tel:+8613812345678"]').wait_for(timeout=5000)
    shot(page, "customer-number-shown")
    reveals = AuditEvent.objects.filter(action="phone.reveal", target_id=str(customer.pk))
    assert [e.actor for e in reveals] == [clinic["consultant"]] * 2


def test_an_outcome_refused_for_a_missing_field_keeps_what_was_typed(browser, live_server, clinic):
    task = clinic["task"]
    page = log_in(browser, live_server, clinic["consultant"].username)
    page.goto(f"{live_server.url}/queue/")
    card = page.locator(f"#task-{task.pk}")
    assert card.locator("select[name=outcome]").input_value() == ""
    card.locator("select[name=outcome]").select_option("valid_1")
    card.locator("input[name=appointment_at]").wait_for()
    card.locator("textarea[name=note]").fill("周六上午方便")
    card.get_by_role("button", name="保存").click()
    error = card.locator(".errorlist")
    error.wait_for()
    assert error.inner_text() == "有效一级需要填写到院时间。"
    assert card.locator("select[name=outcome]").input_value() == "valid_1"
    assert card.locator("textarea[name=note]").input_value() == "周六上午方便"
    shot(page, "queue-outcome-error")
    tomorrow = clinic["today"] + timedelta(days=1)
    card.locator("input[name=appointment_at]").fill(f"{tomorrow}T10:30")
    card.get_by_role("button", name="保存").click()
    page.locator(f"#task-{task.pk} [data-outcome=valid_1]").wait_for()
    shot(page, "queue-outcome-recorded")
    followup = FollowUp.objects.get(task=task)
    assert followup.outcome == "valid_1" and followup.note == "周六上午方便"


def workbook_phones(download):
    # Playwright keeps the file without its .xlsx name, which openpyxl insists on.
    with open(download.path(), "rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    return [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_manager_exports_masked_numbers_or_full_ones_with_a_reason(
    browser, live_server, clinic
):
    page = log_in(browser, live_server, clinic["manager"].username)
    page.goto(f"{live_server.url}/customers/")
    with page.expect_download() as masked:
        page.get_by_role("link", name="下载 xlsx").click()
    assert workbook_phones(masked.value) == ["138****5678"]
    page.get_by_text("下载完整号码…").click()
    page.fill("input[name=reason]", "周年庆电话邀约")
    shot(page, "customers-full-number-export")
    with page.expect_download() as full:
        page.get_by_role("button", name="下载完整号码", exact=True).click()
    assert workbook_phones(full.value) == ["13812345678"]
    events = AuditEvent.objects.filter(action="export").order_by("id")
    assert [(e.data["full_phones"], e.data.get("reason"), e.data["rows"]) for e in events] == [
        (False, None, 1),
        (True, "周年庆电话邀约", 1),
    ]
