"""Group sends (群发) through the pages, the API and the command line: the same flow,
scoped (404 outside), every role and hostile input answered without an error page."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from revisit.api.models import ApiToken
from revisit.core.models import Role
from revisit.messaging.campaign_models import MessageCampaign
from revisit.messaging.campaign_sends import create_campaign, submit_campaign
from revisit.messaging.models import Message, MessageTemplate, MessagingSettings
from revisit.messaging.rules import messaging_settings
from tests.factories import make_org, make_region, make_staff, make_store
from tests.messaging.conftest import DAYTIME

pytestmark = pytest.mark.django_db


def _threshold(org, n):
    messaging_settings(org)
    MessagingSettings.objects.filter(organization=org).update(
        campaign_approval_threshold=n, quiet_start="00:00", quiet_end="00:00"
    )


def _auth(staff):
    _, token = ApiToken.issue(staff)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _pending(shopfront):
    _threshold(shopfront["org"], 0)
    campaign = create_campaign(
        shopfront["org"],
        actor=shopfront["manager"],
        name="新春群发",
        template=shopfront["template"],
        now=DAYTIME,
    )
    return submit_campaign(campaign, actor=shopfront["manager"], now=DAYTIME)


def test_the_send_page_creates_a_campaign_that_waits_above_the_threshold(client, shopfront):
    _threshold(shopfront["org"], 1)
    client.force_login(shopfront["manager"])
    form = {"template": shopfront["template"].pk, "name": "店庆群发"}
    preview = client.post("/messages/send/", {**form, "confirm": "0"}).content.decode()
    assert "2 位顾客中 1 位将收到" in preview  # her store only; 李娜 has no consent
    response = client.post("/messages/send/", {**form, "membership": "member", "confirm": "1"})
    campaign = MessageCampaign.objects.get(name="店庆群发")
    assert response["Location"] == f"/messages/campaigns/{campaign.pk}/"
    assert campaign.status == "queued" and campaign.filters == {"membership": "member"}
    assert Message.objects.filter(campaign=campaign).count() == 1
    # Above the threshold it waits, and she cannot approve her own.
    _threshold(shopfront["org"], 0)
    client.post("/messages/send/", {**form, "name": "大群发", "confirm": "1"})
    big = MessageCampaign.objects.get(name="大群发")
    page = client.get(f"/messages/campaigns/{big.pk}/").content.decode()
    assert "待审批" in page and 'id="campaign-approve"' not in page
    assert 'id="campaign-waiting"' in page
    assert (
        client.post(f"/messages/campaigns/{big.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    assert not Message.objects.filter(campaign=big).exists()
    client.force_login(shopfront["admin"])
    page = client.get(f"/messages/campaigns/{big.pk}/").content.decode()
    assert 'id="campaign-approve"' in page
    client.post(f"/messages/campaigns/{big.pk}/decide/", {"decision": "approve", "note": "可以"})
    big.refresh_from_db()
    assert (
        big.status == "queued"
        and Message.objects.filter(campaign=big, status="queued").count() == 1
    )
    report = client.get(f"/messages/campaigns/{big.pk}/").content.decode()
    assert 'id="campaign-report"' in report and "可以" in report


def test_a_draft_is_tested_on_oneself_then_sent(client, shopfront):
    client.force_login(shopfront["manager"])
    form = {"template": shopfront["template"].pk, "name": "试发", "confirm": "draft"}
    campaign_url = client.post("/messages/send/", form)["Location"]
    campaign = MessageCampaign.objects.get(name="试发")
    assert campaign.status == "draft"
    bad = client.post(campaign_url + "test/", {"to": "x" * 500}, follow=True).content.decode()
    assert "请填写您本人的手机号" in bad
    client.post(campaign_url + "test/", {"to": "13912345678"})
    campaign.refresh_from_db()
    assert campaign.test_sent_to == "139****5678" and not Message.objects.exists()
    client.post(campaign_url + "submit/")
    assert MessageCampaign.objects.get(pk=campaign.pk).status == "queued"
    client.post(campaign_url + "cancel/")  # too late: a message, not an error page
    assert MessageCampaign.objects.get(pk=campaign.pk).status == "queued"


@pytest.mark.parametrize(
    "extra",
    [
        {"visited_after": "2024-02-30"},
        {"visited_after": "9" * 5000},
        {"tier": "Z"},
        {"store": "999999999999"},
        {"membership": "vip"},
        {"name": "名" * 5000},
        {"date": "日" * 5000},
        {"q": "张"},
        {"template": "abc"},
    ],
)
def test_hostile_send_inputs_answer_in_chinese_and_create_nothing(client, shopfront, extra):
    client.force_login(shopfront["admin"])
    form = {"template": shopfront["template"].pk, "confirm": "1", **extra}
    response = client.post("/messages/send/", form)
    assert response.status_code == 200
    assert not MessageCampaign.objects.exists() and not Message.objects.exists()


def test_campaign_pages_are_404_outside_the_scope_for_every_role(client, shopfront):
    campaign = _pending(shopfront)
    org = shopfront["org"]
    region = make_region(org)
    far = make_store(org, "S9", region=region)
    roles = {
        "other_manager": make_staff(org, Role.STORE_MANAGER, store=shopfront["other"]),
        "far_supervisor": make_staff(org, Role.REGION_SUPERVISOR, region=region),
        "stranger_admin": make_staff(make_org(), Role.ADMIN),
    }
    urls = [f"/messages/campaigns/{campaign.pk}/"] + [
        f"/messages/campaigns/{campaign.pk}/{a}/" for a in ("test", "submit", "decide", "cancel")
    ]
    for who, staff in roles.items():
        client.force_login(staff)
        assert client.get(urls[0]).status_code == 404, who
        for url in urls[1:]:
            assert client.post(url, {"decision": "approve"}).status_code in (403, 404), (who, url)
        assert (
            f"/messages/campaigns/{campaign.pk}/"
            not in client.get("/messages/campaigns/").content.decode()
        )
    assert MessageCampaign.objects.get(pk=campaign.pk).status == "pending"
    # The supervisor of the store's region reads it but cannot act on it.
    shopfront["store"].region = region
    shopfront["store"].save()
    client.force_login(roles["far_supervisor"])
    assert client.get(urls[0]).status_code == 200
    assert client.post(urls[3], {"decision": "approve"}).status_code == 403
    assert far.pk  # a store of the region with no send: nothing else is shown
    for username in ("consultant", "caller", "practitioner", "front_desk"):
        staff = make_staff(org, username, store=shopfront["store"])
        client.force_login(staff)
        assert client.get("/messages/campaigns/").status_code == 403
        assert client.get(urls[0]).status_code == 403
    client.force_login(shopfront["admin"])
    assert client.get("/messages/campaigns/999999999/").status_code == 404
    assert client.get("/messages/campaigns/?page=x").status_code == 400
    assert client.get("/messages/campaigns/?status=lost").status_code == 200


def test_the_api_runs_the_same_flow_scoped(client, shopfront):
    _threshold(shopfront["org"], 1)
    manager = _auth(shopfront["manager"])
    body = {"name": "接口群发", "template_id": shopfront["template"].pk}
    created = client.post(
        "/api/message-campaigns", body, content_type="application/json", **manager
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["recipient_count"] == 1 and created.json()["status"] == "draft"
    preview = client.post(f"/api/message-campaigns/{pk}/preview", **manager).json()
    assert preview["suppressed"] == {"no_consent": 1}
    submitted = client.post(f"/api/message-campaigns/{pk}/submit", **manager).json()
    assert submitted["status"] == "queued"
    report = client.get(f"/api/message-campaigns/{pk}/report", **manager).json()
    assert report["messages"] == 2 and report["not_sent"] == 1
    # Hostile and out-of-scope inputs.
    for bad in (
        {**body, "filters": {"visited_after": "2024-02-30"}},
        {**body, "filters": {"tier": "Z"}},
        {**body, "name": "名" * 5000},
        {**body, "template_id": 10**20},
        {**body, "filters": {"store": -1}},
    ):
        response = client.post(
            "/api/message-campaigns", bad, content_type="application/json", **manager
        )
        assert response.status_code in (400, 422), bad
    other = make_org()
    stranger_template = MessageTemplate.objects.create(organization=other, name="别家", body="x")
    response = client.post(
        "/api/message-campaigns",
        {**body, "template_id": stranger_template.pk},
        content_type="application/json",
        **manager,
    )
    assert response.status_code == 404
    stranger = _auth(make_staff(other, Role.ADMIN))
    assert client.get(f"/api/message-campaigns/{pk}", **stranger).status_code == 404
    assert (
        client.post(
            f"/api/message-campaigns/{pk}/approve", {}, content_type="application/json", **stranger
        ).status_code
        == 404
    )
    assert client.get("/api/message-campaigns", **stranger).json()["items"] == []
    consultant = _auth(make_staff(shopfront["org"], Role.CONSULTANT, store=shopfront["store"]))
    assert client.get("/api/message-campaigns", **consultant).status_code == 403


def test_the_api_approval_needs_a_second_person(client, shopfront):
    campaign = _pending(shopfront)
    url = f"/api/message-campaigns/{campaign.pk}/approve"
    own = client.post(url, {}, content_type="application/json", **_auth(shopfront["manager"]))
    assert own.status_code == 403
    ok = client.post(
        url, {"note": "同意"}, content_type="application/json", **_auth(shopfront["admin"])
    )
    assert ok.status_code == 200 and ok.json()["status"] == "queued"
    again = client.post(url, {}, content_type="application/json", **_auth(shopfront["admin"]))
    assert again.status_code == 400


def _run(*args) -> str:
    out = StringIO()
    call_command("messages", *args, stdout=out)
    return out.getvalue()


def test_the_command_line_creates_approves_and_reports(shopfront):
    _threshold(shopfront["org"], 0)
    manager, admin = shopfront["manager"].username, shopfront["admin"].username
    out = _run("campaign", "create", "--staff", manager, "--template", "春节", "--name", "命令行")
    campaign = MessageCampaign.objects.get(name="命令行")
    assert f"#{campaign.pk}" in out and "草稿" in out
    assert "待审批" in _run("campaign", "submit", str(campaign.pk), "--staff", manager)
    with pytest.raises(CommandError):
        _run("campaign", "approve", str(campaign.pk), "--staff", manager)
    assert "已排队" in _run("campaign", "approve", str(campaign.pk), "--staff", admin)
    report = _run("campaign", "report", str(campaign.pk), "--staff", manager)
    assert "未发送 1（无授权 1）" in report
    assert "命令行" in _run("campaign", "list", "--staff", manager)
    for bad in (
        ("campaign", "create", "--staff", manager, "--template", "无此模板"),
        (
            "campaign",
            "create",
            "--staff",
            manager,
            "--template",
            "春节",
            "--visited-after",
            "2024-02-30",
        ),
        ("campaign", "create", "--staff", manager, "--template", "春节", "--store", "NOPE"),
        ("campaign", "report", "999999", "--staff", manager),
        ("campaign", "submit", "--staff", manager),
        ("campaign", "list", "--staff", "nobody"),
    ):
        with pytest.raises(CommandError):
            _run(*bad)
    assert json.dumps(MessageCampaign.objects.get(pk=campaign.pk).filters) == "{}"
