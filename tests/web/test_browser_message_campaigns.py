"""A group send (群发) in a real browser: a store manager sends to more customers than
the approval threshold, tests it on herself, submits it and waits; the administrator
approves it; the worker sends; the send's report shows what went out and the orders
that followed."""

from datetime import timedelta

import pytest
from django.test import override_settings

from revisit.core.clock import local_date
from revisit.customers.consents import set_consent
from revisit.customers.models import Gender
from revisit.demo import DEMO_PASSWORD
from revisit.messaging.models import Message, MessagingSettings
from revisit.messaging.outbox import send_due
from revisit.messaging.rules import messaging_settings
from tests.factories import Role, make_customer, make_order, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


@pytest.fixture
def outbox_files(tmp_path):
    with override_settings(
        MESSAGING_FILE_DIR=tmp_path, MESSAGING_SMS_BACKEND="revisit.messaging.backends.FileBackend"
    ):
        yield tmp_path


def _user(staff):
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_a_manager_asks_the_admin_approves_and_the_report_shows_the_result(
    browser, live_server, outbox_files
):
    org = make_org()
    store = make_store(org)
    admin = _user(make_staff(org, Role.ADMIN, name="管理员"))
    manager = _user(make_staff(org, Role.STORE_MANAGER, store=store, name="王店长"))
    messaging_settings(org)
    MessagingSettings.objects.filter(organization=org).update(
        quiet_start="00:00", quiet_end="00:00", signature="示例服饰", campaign_approval_threshold=1
    )
    from revisit.messaging.models import MessageTemplate

    MessageTemplate.objects.create(
        organization=org,
        name="秋季新品",
        channel="sms",
        body="{surname}{honorific}，秋季新品已到店",
    )
    customers = []
    for n, (name, gender) in enumerate(
        [("张伟", Gender.MALE), ("李娜", Gender.FEMALE), ("王芳", Gender.FEMALE)]
    ):
        c = make_customer(
            org,
            f"C-{n}",
            name=name,
            gender=gender,
            mobile=f"+861380000000{n}",
            home_store=store,
            tier="A",
        )
        if n < 2:
            set_consent(c, actor=admin, channel="sms", granted=True, source="到店签字")
        customers.append(c)

    page = log_in(browser, live_server, manager.username)
    page.goto(f"{live_server.url}/messages/send/")
    page.fill("input[name=name]", "秋季新品群发")
    page.select_option("select[name=template]", label="秋季新品")
    page.select_option("select[name=membership]", value="member")
    page.click("#send-form button[value='0']")
    page.wait_for_selector("#send-preview")
    preview = page.inner_text("#send-preview")
    assert "3 位顾客中 2 位将收到" in preview and "无授权 1" in preview
    assert "须经审批" in page.inner_text("#needs-approval")
    shot(page, "message-campaign-preview")
    page.click("#save-draft")
    page.wait_for_selector("#campaign-test-form")
    assert "草稿" in page.inner_text("#campaign-status")
    page.fill("#campaign-test-form input[name=to]", "13912345678")
    page.click("#campaign-test")
    page.locator("#campaign-tested", has_text="139****5678").wait_for()
    assert "【试发】" in (outbox_files / "sms.jsonl").read_text(encoding="utf-8")
    page.click("#campaign-submit")
    page.locator("#campaign-status", has_text="待审批").wait_for()
    assert page.locator("#campaign-waiting").is_visible()
    assert page.locator("#campaign-approve").count() == 0  # never her own
    shot(page, "message-campaign-waiting")
    assert not Message.objects.exists()

    boss = log_in(browser, live_server, admin.username)
    boss.goto(f"{live_server.url}/messages/campaigns/")
    boss.locator("#message-campaigns tr[data-status=pending]", has_text="待您审批").wait_for()
    boss.click("#message-campaigns >> text=秋季新品群发")
    boss.fill("#campaign-decide-form input[name=note]", "文案可以")
    boss.click("#campaign-approve")
    boss.locator("#campaign-status", has_text="已排队发送").wait_for()
    assert "文案可以" in boss.inner_text("#campaign-decision")
    assert Message.objects.filter(status="queued").count() == 2

    assert send_due()["sent"] == 2  # the worker's tick, with the file backend
    sent = Message.objects.filter(status="sent").first()
    Message.objects.filter(pk=sent.pk).update(delivered_at=sent.sent_at)
    make_order(customers[0], "680", on=local_date(org) + timedelta(days=1))
    boss.reload()
    report = boss.locator("#campaign-report")
    assert report.locator("[data-key=sent]").inner_text() == "2"
    assert report.locator("[data-key=delivered]").inner_text() == "1"
    assert report.locator("[data-key=not_sent]").inner_text().startswith("1（无授权 1）")
    assert report.locator("[data-key=orders]").inner_text() == "1"
    assert report.locator("[data-key=amount]").inner_text().startswith("680")
    shot(boss, "message-campaign-report")
