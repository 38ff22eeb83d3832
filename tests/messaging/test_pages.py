"""The messaging pages: templates (admin edits, others read), the preview, settings, the
outbox (scoped, masked, counted) and sending to a filtered set; 404 outside the org."""

import pytest

from revisit.core.models import AuditEvent
from revisit.messaging.models import Message, MessageTemplate, MessagingSettings
from revisit.messaging.outbox import send_due
from revisit.messaging.services import queue_message
from tests.factories import make_customer, make_org, make_staff
from tests.messaging.conftest import DAYTIME

pytestmark = pytest.mark.django_db

NEW = {
    "name": "新品上市",
    "channel": "sms",
    "purpose": "marketing",
    "language": "zh-hans",
    "audience": "all",
    "subject": "",
    "body": "{surname}{honorific}，秋季新品已到{store}，欢迎品鉴！",
    "body_non_member": "",
    "is_active": "on",
}


def test_the_admin_creates_edits_and_deletes_a_template(client, shopfront):
    client.force_login(shopfront["admin"])
    assert client.post("/settings/messages/templates/new/", NEW).status_code == 302
    template = MessageTemplate.objects.get(name="新品上市")
    page = client.get(f"/settings/messages/templates/{template.pk}/").content.decode()
    assert 'id="preview-text"' in page and "张先生，秋季新品已到南京路店" in page
    changed = {**NEW, "body": "{name}您好"}
    assert client.post(f"/settings/messages/templates/{template.pk}/", changed).status_code == 302
    template.refresh_from_db()
    assert template.body == "{name}您好"
    assert AuditEvent.objects.filter(action="message_template.edit").exists()
    url = f"/settings/messages/templates/{template.pk}/delete/"
    assert client.post(url).status_code == 302
    assert not MessageTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(
    "body, words",
    [
        ("您好 {nmae}", "{nmae}"),
        ("您好 {", "花括号"),
        ("{name.__class__}", "{name.__class__}"),
        ("字" * 3000, "2000"),
    ],
)
def test_a_bad_template_is_refused_with_a_chinese_message(client, shopfront, body, words):
    client.force_login(shopfront["admin"])
    response = client.post(
        "/settings/messages/templates/new/", {**NEW, "body": body}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not MessageTemplate.objects.filter(name="新品上市").exists()


def test_the_preview_shows_the_text_and_its_sms_count(client, shopfront):
    client.force_login(shopfront["admin"])
    response = client.post(
        "/settings/messages/templates/preview/",
        {"body": "字" * 80, "channel": "sms", "purpose": "marketing"},
    )
    text = response.content.decode()
    org = shopfront["org"].name
    length = len(f"【{org}】") + 80 + len("回T退订")
    assert f"{length} " in text and 'id="preview-count"' in text
    assert "2" in text.split('id="preview-count"')[1].split("</p>")[0]
    bad = client.post("/settings/messages/templates/preview/", {"body": "{x}", "channel": "sms"})
    assert 'id="preview-error"' in bad.content.decode()
    assert (
        client.post("/settings/messages/templates/preview/", {"channel": "fax"}).status_code == 400
    )
    huge = client.post("/settings/messages/templates/preview/", {"body": "{" * 100_000})
    assert huge.status_code == 200


def test_a_store_manager_reads_templates_and_settings_but_cannot_change_them(client, shopfront):
    client.force_login(shopfront["manager"])
    listing = client.get("/settings/messages/templates/").content.decode()
    assert "春节" in listing and 'id="new-message-template"' not in listing
    template = shopfront["template"]
    assert client.get(f"/settings/messages/templates/{template.pk}/").status_code == 200
    assert client.post(f"/settings/messages/templates/{template.pk}/", NEW).status_code == 403
    assert client.post("/settings/messages/templates/new/", NEW).status_code == 403
    assert client.post(f"/settings/messages/templates/{template.pk}/delete/").status_code == 403
    page = client.get("/settings/messages/").content.decode()
    secret = MessagingSettings.objects.get(organization=shopfront["org"]).webhook_secret
    assert secret not in page and 'id="webhook-url"' in page
    assert client.post("/settings/messages/secret/").status_code == 403


def test_the_admin_sets_quiet_hours_and_renews_the_secret(client, shopfront):
    client.force_login(shopfront["admin"])
    page = client.get("/settings/messages/").content.decode()
    old = MessagingSettings.objects.get(organization=shopfront["org"]).webhook_secret
    assert old in page
    data = {
        "signature": "示例服饰",
        "hotline": "400-800-8888",
        "opt_out_line": "回T退订",
        "quiet_start": "22:00",
        "quiet_end": "09:00",
        "quiet_action": "postpone",
        "daily_cap": "100",
        "campaign_approval_threshold": "50",
    }
    assert client.post("/settings/messages/", data).status_code == 302
    current = MessagingSettings.objects.get(organization=shopfront["org"])
    assert (current.quiet_start.hour, current.quiet_end.hour, current.daily_cap) == (22, 9, 100)
    assert current.campaign_approval_threshold == 50
    bad = client.post("/settings/messages/", {**data, "quiet_start": "25:99", "daily_cap": "-1"})
    assert bad.status_code == 200
    assert client.post("/settings/messages/secret/").status_code == 302
    assert MessagingSettings.objects.get(organization=shopfront["org"]).webhook_secret != old


def test_the_outbox_lists_masked_numbers_status_and_suppression_counts(client, shopfront):
    for key in ("consenting", "silent", "elsewhere"):
        queue_message(
            shopfront[key], template=shopfront["template"], actor=shopfront["admin"], now=DAYTIME
        )
    send_due(now=DAYTIME)
    client.force_login(shopfront["admin"])
    page = client.get("/messages/").content.decode()
    assert "138****0001" in page and "+8613800000001" not in page
    assert "未发送：无授权 1" in page
    assert "已发送 2" in page
    filtered = client.get("/messages/", {"status": "suppressed"}).content.decode()
    assert "C-2" in filtered and "C-1" not in filtered
    # The store manager sees only her store's customers' messages.
    client.force_login(shopfront["manager"])
    page = client.get("/messages/").content.decode()
    assert "C-1" in page and "C-3" not in page


@pytest.mark.parametrize(
    "query", ["?status=lost", "?since=2024-02-30", "?until=" + "9" * 500, "?page=x", "?page=0"]
)
def test_bad_outbox_filters_answer_a_message_not_an_error(client, shopfront, query):
    client.force_login(shopfront["admin"])
    assert client.get("/messages/" + query).status_code in (200, 400)


def test_sending_to_a_filter_previews_the_suppressions_then_queues(client, shopfront):
    client.force_login(shopfront["admin"])
    form = {"template": shopfront["template"].pk, "confirm": "0"}
    preview = client.post("/messages/send/", form).content.decode()
    assert "3 位顾客中 2 位将收到" in preview and "无授权 1" in preview
    assert not Message.objects.exists()
    assert client.post("/messages/send/", {**form, "confirm": "1"}).status_code == 302
    assert Message.objects.filter(status="queued").count() == 2
    assert Message.objects.filter(suppression_reason="no_consent").count() == 1


def test_a_store_manager_sends_only_to_her_scope(client, shopfront):
    client.force_login(shopfront["manager"])
    form = {"template": shopfront["template"].pk, "confirm": "1"}
    assert client.post("/messages/send/", form).status_code == 302
    assert set(Message.objects.values_list("customer__code", flat=True)) == {"C-1", "C-2"}


def test_a_supervisor_without_a_store_cannot_send(client, shopfront):
    from revisit.core.models import Role
    from tests.factories import make_region

    region = make_region(shopfront["org"])
    supervisor = make_staff(shopfront["org"], Role.REGION_SUPERVISOR, region=region)
    client.force_login(supervisor)
    assert client.get("/messages/").status_code == 200
    assert client.get("/messages/send/").status_code == 403


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_another_organizations_records_are_404(client, shopfront, who):
    other = make_org()
    stranger = MessageTemplate.objects.create(
        organization=other, name="别家", channel="sms", body="您好"
    )
    customer = make_customer(other, "X-1", mobile="+8613900000000")
    client.force_login(shopfront[who])
    for url in (
        f"/settings/messages/templates/{stranger.pk}/",
        f"/settings/messages/templates/{stranger.pk}/delete/",
        "/settings/messages/templates/999999999/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, NEW).status_code in (403, 404), url
    # Another organization's template cannot be chosen to send.
    response = client.post("/messages/send/", {"template": stranger.pk, "confirm": "1"})
    assert response.status_code in (200, 403)
    assert not Message.objects.filter(customer=customer).exists()
    assert not Message.objects.exists()
    assert MessageTemplate.objects.filter(pk=stranger.pk).exists()


@pytest.mark.parametrize("who", ["consultant1", "caller1", "doctor1", "desk1"])
def test_other_roles_are_refused_the_messaging_pages(client, demo, who):
    client.force_login(demo[who])
    for url in (
        "/messages/",
        "/messages/send/",
        "/settings/messages/templates/",
        "/settings/messages/",
    ):
        assert client.get(url).status_code == 403, url


def test_the_customer_lists_filter_carries_over_to_the_send_page(client, shopfront):
    client.force_login(shopfront["admin"])
    listing = client.get("/customers/", {"tier": "A"}).content.decode()
    assert 'id="send-to-filtered"' in listing and "/messages/send/?tier=A" in listing
    page = client.get("/messages/send/?tier=A").content.decode()
    assert 'value="A" selected' in page
    form = {"template": shopfront["template"].pk, "tier": "A", "confirm": "1"}
    assert client.post("/messages/send/", form).status_code == 302
    assert list(Message.objects.values_list("customer__code", flat=True)) == ["C-1"]
    bad = client.post("/messages/send/", {**form, "tier": "Z", "visited_after": "2024-02-30"})
    assert bad.status_code == 200 and Message.objects.count() == 1
    client.force_login(shopfront["manager"])
    assert 'id="send-to-filtered"' in client.get("/customers/").content.decode()
