"""Messaging in a real browser: the admin writes a template and sees the preview and its
SMS count change as she types, saves it, sends it to her customers after a preview of
who will not get it, and the worker's tick (file backend) sends it: 已发送 on the outbox."""

from datetime import time

import pytest
from django.test import override_settings

from revisit.customers.consents import set_consent
from revisit.customers.models import Gender
from revisit.demo import DEMO_PASSWORD
from revisit.messaging.models import Message, MessagingSettings
from revisit.messaging.outbox import send_due
from revisit.messaging.rules import messaging_settings
from tests.factories import Role, make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


@pytest.fixture
def outbox_files(tmp_path):
    with override_settings(
        MESSAGING_FILE_DIR=tmp_path, MESSAGING_SMS_BACKEND="revisit.messaging.backends.FileBackend"
    ):
        yield tmp_path


def test_the_admin_writes_a_template_previews_it_and_it_is_sent(browser, live_server, outbox_files):
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN)
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    messaging_settings(org)
    # No quiet hours, whatever the hour the test runs at.
    MessagingSettings.objects.filter(organization=org).update(
        quiet_start=time(0), quiet_end=time(0), signature="示例服饰"
    )
    yes = make_customer(
        org,
        "C-1",
        name="张伟",
        gender=Gender.MALE,
        mobile="+8613800000001",
        home_store=store,
        tier="A",
    )
    set_consent(yes, actor=admin, channel="sms", granted=True, source="到店签字")
    make_customer(
        org, "C-2", name="李娜", gender=Gender.FEMALE, mobile="+8613800000002", home_store=store
    )

    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/settings/messages/templates/")
    page.click("#new-message-template")
    page.fill("input[name=name]", "秋季新品")
    page.fill("textarea[name=body]", "{surname}{honorific}，秋季新品已到{store}")
    page.wait_for_selector("#preview-text")
    assert "张先生，秋季新品已到南京路店" in page.inner_text("#preview-text")
    assert page.inner_text("#preview-text").startswith("【示例服饰】")
    assert "1 条短信" in page.inner_text("#preview-count")
    page.fill("textarea[name=body]", "{surname}{honorific}，" + "秋季新品已到店，" * 10)
    page.locator("#preview-count", has_text="2 条短信").wait_for()
    shot(page, "message-template-preview")
    page.fill("textarea[name=body]", "{surname}{honorific}，秋季新品已到{stroe}")
    page.locator("#preview-error", has_text="{stroe}").wait_for()
    assert "{stroe}" in page.inner_text("#preview-error")
    page.fill("textarea[name=body]", "{surname}{honorific}，秋季新品已到{store}，欢迎品鉴")
    page.click("#message-template-form button[type=submit]")
    page.wait_for_selector("#message-templates")
    assert "秋季新品" in page.inner_text("#message-templates")

    page.click("nav >> text=发件箱")
    page.click("#send-messages")
    page.select_option("select[name=template]", label="秋季新品")
    page.click("#send-form button[value='0']")
    page.wait_for_selector("#send-preview")
    preview = page.inner_text("#send-preview")
    assert "2 位顾客中 1 位将收到" in preview and "无授权 1" in preview
    shot(page, "message-send-preview")
    page.click("#confirm-send")
    # The send is a group send (群发) now: its page, queued at once (below the threshold).
    page.wait_for_selector("#campaign-report")
    assert "已排队发送" in page.inner_text("#campaign-status")
    page.click("nav >> text=发件箱")
    page.wait_for_selector("#outbox")
    assert "未发送：无授权 1" in page.inner_text("#suppression-counts")

    assert send_due()["sent"] == 1  # the worker's tick, with the file backend
    page.reload()
    row = page.locator("#outbox tr[data-status=sent]")
    assert "已发送" in row.inner_text() and "138****0001" in row.inner_text()
    shot(page, "outbox")
    sent = Message.objects.get(status="sent")
    assert sent.text == "【示例服饰】张先生，秋季新品已到门店S1，欢迎品鉴回T退订"
    assert (outbox_files / "sms.jsonl").read_text(encoding="utf-8").count("\n") == 1
