"""The campaign pages, the tier rule on the strategy page and a person's assistant and
call-team duty on the staff page: the admin changes them (audited), store managers
read them, hostile input gets a message in Chinese, other organizations' ids are 404."""

import re
from datetime import date, timedelta

import pytest

from revisit.core.clock import local_date
from revisit.core.models import AuditEvent, Role
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import CallTask, Campaign, StaffDuty, Strategy
from revisit.outreach.strategies import install_default_strategies
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
FORM_CONTROLS = re.compile(r"<(form|input|select|textarea|button)\b")


@pytest.fixture
def org():
    o = make_org("meili")
    store = make_store(o)
    install_default_strategies(o)
    people = {
        "org": o,
        "admin": make_staff(o, Role.ADMIN),
        "manager": make_staff(o, Role.STORE_MANAGER, store=store),
        "consultant": make_staff(o, Role.CONSULTANT, store=store, name="陈咨询"),
        "caller": make_staff(o, Role.CALLER, store=store, name="冯客服"),
    }
    other = make_org("other")
    people["other_campaign"] = Campaign.objects.create(
        organization=other,
        name="别家活动",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 1, 31),
        segments=["A1"],
    )
    people["other_consultant"] = make_staff(other, Role.CONSULTANT, store=make_store(other))
    return people


def campaign_data(today, **changes):
    data = {
        "name": "周年庆",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=20)).isoformat(),
        "segments": ["A4"],
        "tiers": ["SVIP"],
        "offer": "到院赠护理一次",
        "offer_A4": "半价体验",
        "invitation_A4": "free_trial",
    }
    data.update(changes)
    return data


def test_the_admin_creates_a_campaign_and_the_queue_and_report_show_it(client, org):
    today = local_date(org["org"])
    client.force_login(org["admin"])
    response = client.post("/campaigns/new/", campaign_data(today))
    assert response.status_code == 302, response.content.decode()[-2000:]
    campaign = Campaign.objects.get(organization=org["org"])
    assert campaign.overrides == {"A4": {"offer": "半价体验", "invitation_type": "free_trial"}}
    assert AuditEvent.objects.filter(action="campaign.create", actor=org["admin"]).exists()
    listing = client.get("/campaigns/").content.decode()
    assert "周年庆" in listing and "运行中" in listing
    report = client.get("/reports/daily/", {"day": today.isoformat()}).content.decode()
    assert 'id="active-campaign"' in report and "周年庆" in report
    client.force_login(org["consultant"])
    assert "周年庆" in client.get("/queue/").content.decode()
    # Ended: gone from the queue; the list says so.
    client.force_login(org["admin"])
    assert client.post(f"/campaigns/{campaign.pk}/end/").status_code == 302
    assert "已取消" in client.get("/campaigns/").content.decode()  # ended on its first day
    client.force_login(org["consultant"])
    assert "周年庆" not in client.get("/queue/").content.decode()


def test_a_campaign_task_shows_the_campaigns_offer_for_her_segment(client, org):
    today = local_date(org["org"])
    client.force_login(org["admin"])
    client.post("/campaigns/new/", campaign_data(today))
    campaign = Campaign.objects.get(organization=org["org"])
    customer = make_customer(org["org"], owner=org["consultant"], mobile="+8613800000001")
    CallTask.objects.create(
        organization=org["org"],
        customer=customer,
        assignee=org["consultant"],
        due_date=today,
        segment="A4",
        strategy=Strategy.objects.get(organization=org["org"], target="A4"),
        campaign=campaign,
    )
    client.force_login(org["consultant"])
    page = client.get("/queue/").content.decode()
    assert '<span class="offer">半价体验</span>' in page and "免费体验" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2000-01-01"}, "活动的结束日期不能早于开始日期"),
        ({"starts_on": "2024-13-45"}, "errorlist"),
        ({"name": "长" * 500}, "errorlist"),
        ({"name": ""}, "errorlist"),
        ({"segments": ["Z9"]}, "errorlist"),
        ({"tiers": ["'; drop table"]}, "errorlist"),
        ({"categories": ["不存在的品类"]}, "errorlist"),
        ({"segments": [], "tiers": []}, "请至少选择一个客户分类、等级或项目品类"),
        ({"script_A4": "您好 {password}"}, "errorlist"),
        ({"offer_A4": "惠" * 5000}, "errorlist"),
        ({"invitation_A4": "free_money"}, "errorlist"),
    ],
)
def test_hostile_campaigns_get_a_message_and_nothing_is_saved(client, org, changes, message):
    client.force_login(org["admin"])
    data = campaign_data(local_date(org["org"]), **changes)
    response = client.post("/campaigns/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.filter(organization=org["org"]).exists()


def test_an_overlapping_campaign_is_refused_in_chinese(client, org):
    today = local_date(org["org"])
    client.force_login(org["admin"])
    assert client.post("/campaigns/new/", campaign_data(today)).status_code == 302
    later = campaign_data(today + timedelta(days=10), name="双十一")
    response = client.post("/campaigns/new/", later)
    assert response.status_code == 200 and "时间重叠" in response.content.decode()
    assert Campaign.objects.filter(organization=org["org"]).count() == 1


def test_store_managers_read_campaigns_and_may_not_change_them(client, org):
    today = local_date(org["org"])
    client.force_login(org["admin"])
    client.post("/campaigns/new/", campaign_data(today))
    campaign = Campaign.objects.get(organization=org["org"])
    client.force_login(org["manager"])
    for url in ("/campaigns/", f"/campaigns/{campaign.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        section = response.content.decode().split('<section id="settings">', 1)[1]
        assert not FORM_CONTROLS.search(section.split("</section>", 1)[0]), url
    assert client.get("/campaigns/new/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/", campaign_data(today)).status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/end/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.ended_on is None
    for who in ("consultant", "caller"):
        client.force_login(org[who])
        assert client.get("/campaigns/").status_code == 403


def test_another_organizations_campaign_is_not_found(client, org):
    client.force_login(org["admin"])
    theirs = org["other_campaign"]
    assert client.get(f"/campaigns/{theirs.pk}/").status_code == 404
    assert client.post(f"/campaigns/{theirs.pk}/end/").status_code == 404
    data = campaign_data(date(2030, 1, 1))
    assert client.post(f"/campaigns/{theirs.pk}/", data).status_code == 404
    assert client.get("/campaigns/999999/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "别家活动" and theirs.ended_on is None


def test_the_tier_rule_is_set_on_the_strategy_page_and_read_by_managers(client, org):
    client.force_login(org["admin"])
    page = client.get("/strategies/").content.decode()
    assert "客户分类与客户等级策略同时适用时" in page
    assert client.post("/strategies/", {"strategy_precedence": "segment"}).status_code == 302
    assert outreach_settings(org["org"]).strategy_precedence == "segment"
    event = AuditEvent.objects.get(action="outreach_settings.edit")
    assert event.data["changed"] == {"strategy_precedence": {"before": "tier", "after": "segment"}}
    response = client.post("/strategies/", {"strategy_precedence": "coin_toss"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    client.force_login(org["manager"])
    assert "以客户分类（A1…B4）策略为准" in client.get("/strategies/").content.decode()
    assert client.post("/strategies/", {"strategy_precedence": "tier"}).status_code == 403
    assert outreach_settings(org["org"]).strategy_precedence == "segment"


def test_a_vip_manager_is_one_of_the_organizations_callers(client, org):
    svip = Strategy.objects.get(organization=org["org"], target="SVIP")
    client.force_login(org["admin"])
    data = {
        k: v
        for k, v in client.get(f"/strategies/{svip.pk}/").context["form"].initial.items()
        if v not in (None, False)
    }
    data["is_worked"] = "on"
    for manager in ("", org["other_consultant"].pk, org["manager"].pk, "abc"):
        response = client.post(f"/strategies/{svip.pk}/", {**data, "manager": manager})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(f"/strategies/{svip.pk}/", {**data, "manager": org["consultant"].pk})
    assert response.status_code == 302
    svip.refresh_from_db()
    assert svip.manager == org["consultant"] and svip.allocation == "manager"


def test_the_admin_names_an_assistant_on_the_staff_page(client, org):
    caller, consultant = org["caller"], org["consultant"]
    client.force_login(org["admin"])
    url = f"/staff/{caller.pk}/duty/"
    response = client.post(url, {"assists": consultant.pk, "on_call_team": "on"}, follow=True)
    assert "已保存" in response.content.decode()
    duty = StaffDuty.objects.get(staff=caller)
    assert duty.assists == consultant and duty.on_call_team
    assert AuditEvent.objects.get(action="staff.duty").organization == org["org"]
    page = client.get(f"/staff/{caller.pk}/").content.decode()
    assert f'<span id="assists">{consultant}</span>' in page
    # Hostile: another organization's consultant, herself, a word; not saved.
    for bad in (org["other_consultant"].pk, caller.pk, "x" * 300):
        response = client.post(url, {"assists": bad}, follow=True)
        assert "请选择本机构的咨询师" in response.content.decode()
    assert StaffDuty.objects.get(staff=caller).assists == consultant
    assert client.post(f"/staff/{org['other_consultant'].pk}/duty/", {}).status_code == 404
    client.force_login(org["manager"])
    assert client.post(url, {"assists": ""}).status_code == 403
    assert StaffDuty.objects.get(staff=caller).assists == consultant
