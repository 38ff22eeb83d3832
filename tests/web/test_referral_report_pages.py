"""The referral KPI and statistics pages as every role: each opens them and reads only
its scope; hostile query parameters get a message, not a 500; every table downloads; the
Chinese pages show labels, not codes; the admin edits the targets and the page follows."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from revisit.core.access import visible_staff
from revisit.core.models import Staff
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.leads import register_lead
from tests.factories import demo_referrer, make_org, make_staff
from tests.web.test_labels_crawl import crawl

pytestmark = pytest.mark.django_db
ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
PAGES = ["/referrals/kpis/", "/referrals/statistics/"]


def _lead(demo, actor="desk1"):
    referrer = demo_referrer(demo["org"])
    lead = register_lead(
        referrer,
        actor=demo[actor],
        store=referrer.home_store,
        name="新朋友",
        mobile="13911112222",
        items="眼部整形",
        intention=1,
        now=timezone.now() - timedelta(days=2),
    )
    return record_arrival(lead, actor=demo["admin"], facts=ArrivalFacts())


@pytest.mark.parametrize("username", ROLE_USERS)
def test_every_role_reads_its_own_scope(client, demo, username):
    staff = demo[username]
    client.force_login(staff)
    stranger = make_staff(make_org(), "admin", name="别家员工")
    page = client.get("/referrals/kpis/")
    assert page.status_code == 200
    listed = {k.staff.pk for k in page.context["rows"]}
    allowed = set(visible_staff(staff).values_list("pk", flat=True)) | {staff.pk}
    assert listed <= allowed and stranger.pk not in listed
    others = Staff.objects.filter(organization=demo["org"]).exclude(pk__in=allowed)
    assert not listed & set(others.values_list("pk", flat=True))
    assert client.get("/referrals/statistics/").status_code == 200
    for url in PAGES:
        for bad in ("2026-13", "x" * 5000, "99999-01", "2026-1-1", "0000-01", "-1"):
            response = client.get(url, {"month": bad})
            assert response.status_code == 400, (url, bad)
            assert "不是月份" in response.content.decode()
        assert client.get(url, {"table": "<script>"}).status_code == 400
        assert client.get(url, {"month": "2025-12"}).status_code == 200


def test_outside_roles_and_anonymous_are_refused(client, demo):
    for url in PAGES:
        assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(make_staff(demo["org"], name="无角色"))
    for url in PAGES:
        assert client.get(url).status_code == 403


def test_the_kpis_move_with_a_registration_and_every_table_downloads(client, demo):
    client.force_login(demo["manager1"])
    before = {k.staff.pk: k for k in client.get("/referrals/kpis/").context["rows"]}
    _lead(demo)
    after = {k.staff.pk: k for k in client.get("/referrals/kpis/").context["rows"]}
    desk = demo["desk1"].pk
    assert after[desk].registrations == before[desk].registrations + 1
    assert after[desk].arrivals == before[desk].arrivals + 1
    for table in ("staff", "roles"):
        response = client.get("/referrals/kpis/", {"table": table, "export": "xlsx"})
        assert response.status_code == 200
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet.cell(1, 1).value in ("员工", "岗位")
    for table in ("products", "tiers", "timing", "daily"):
        response = client.get("/referrals/statistics/", {"table": table, "export": "xlsx"})
        assert response.status_code == 200, table
        rows = list(load_workbook(BytesIO(response.content)).active.values)
        assert len(rows) >= 2, table
    statistics = client.get("/referrals/statistics/").content.decode()
    assert "眼部整形" in statistics and 'id="channel-share"' in statistics


@pytest.mark.parametrize("username", ["admin", "manager1", "consultant1", "desk1"])
def test_the_pages_show_labels_not_codes(client, demo, username):
    _lead(demo)
    client.force_login(demo[username])
    seen, problems = crawl(client, PAGES)
    assert len(seen) >= 2
    assert problems == {}, problems


def test_the_admin_sets_a_roles_target_and_the_kpis_follow(client, demo):
    client.force_login(demo["admin"])
    page = client.get("/settings/referrals/").content.decode()
    assert "咨询师" in page and "每服务100位客户" in page
    form = {
        "registration_cutoff_days": 1,
        "referrer_rebate_rate": "0.05",
        "referee_rebate_rate": "0.05",
        "gift_threshold": "1000",
        "gift_value": "480",
        "gift_description": "护肤品",
        "revenue_share_target": "0.15",
        "target_front_desk_registrations": "200",
    }
    refused = client.post("/settings/referrals/", form)
    assert refused.status_code == 200  # 200 per 100 is out of range
    form["target_front_desk_registrations"] = "50"
    assert client.post("/settings/referrals/", form).status_code == 302
    program = demo["org"].referral_settings
    program.refresh_from_db()
    assert program.role_targets["front_desk"]["registrations"] == "50"
    assert str(program.revenue_share_target) == "0.1500"
    rows = client.get("/referrals/kpis/").context["rows"]
    desk = next(k for k in rows if k.staff == demo["desk1"])
    assert desk.targets["registrations"] == round(desk.served * 50 / 100, 1)


@pytest.mark.parametrize("username", ["admin", "manager1", "consultant1"])
def test_the_daily_deviation_of_one_staff_member_is_scoped(client, demo, username):
    staff = demo[username]
    client.force_login(staff)
    own = client.get("/referrals/statistics/", {"staff": staff.pk})
    assert own.status_code == 200 and own.context["person"] == staff
    outside = (
        Staff.objects.filter(organization=demo["org"])
        .exclude(pk__in=visible_staff(staff).values("pk"))
        .exclude(pk=staff.pk)
        .first()
    )
    strangers = [make_staff(make_org(), "admin"), *([outside] if outside else [])]
    for stranger in strangers:
        assert client.get("/referrals/statistics/", {"staff": stranger.pk}).status_code == 404
        response = client.get(
            "/referrals/statistics/", {"staff": stranger.pk, "table": "daily", "export": "xlsx"}
        )
        assert response.status_code == 404
    for bad in ("abc", "9" * 40, "-1"):
        assert client.get("/referrals/statistics/", {"staff": bad}).status_code == 400
