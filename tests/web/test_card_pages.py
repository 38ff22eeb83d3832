"""The customer card in the pages: register (duplicate caught, scoped), edit with the
field history on the card, the admin's correction, owner change with a reason, notes,
tags, a contact logged from the page; health data hidden from callers in the page, the
API and the export; hostile input answered in Chinese; the front desk's scope."""

import io

import openpyxl
import pytest

from revisit.api.models import ApiToken
from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer, CustomerChange, PsychologyType
from revisit.outreach.models import CallTask, FollowUp
from revisit.sales.models import OrderLine
from tests.factories import make_customer, make_order, make_org, make_staff
from tests.web.test_labels_crawl import crawl
from tests.web.test_pages import PAGES

pytestmark = pytest.mark.django_db

CARD = {
    "name": "王小美",
    "gender": "F",
    "mobile": "139 1234 5678",
    "channel": "newspaper",
    "birthday": "1990-02-03",
    "allergies": "青霉素过敏",
    "tags": "敏感肌，VIP",
}


def _new(client, shop, **values):
    data = {"home_store": shop["store"].pk, **CARD, **values}
    return client.post("/customers/new/", data)


def test_the_desk_creates_a_card_and_the_duplicate_is_offered(client, shop):
    client.force_login(shop["desk"])
    assert 'id="new-card"' in client.get("/customers/").content.decode()
    response = _new(client, shop)
    customer = Customer.objects.get(mobile="+8613912345678")
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.channel == "newspaper" and customer.allergies == "青霉素过敏"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "敏感肌"]
    again = _new(client, shop, name="另一个人")
    page = again.content.decode()
    assert again.status_code == 200 and 'id="duplicate"' in page
    assert f'href="/customers/{customer.pk}/"' in page
    assert Customer.objects.filter(mobile="+8613912345678").count() == 1


def test_a_duplicate_outside_the_scope_says_only_that_it_exists(client, shop):
    client.force_login(shop["desk_b"])
    response = _new(client, shop, mobile="13800000001", home_store=shop["other"].pk)
    page = response.content.decode()
    assert 'id="duplicate"' in page and "存在" in page
    assert "老顾客" not in page and "OLD-1" not in page
    assert f"/customers/{shop['existing'].pk}/" not in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "名" * 5000}, "100"),
        ({"mobile": "12345"}, "号码"),
        ({"mobile": "x" * 10_000}, "40"),
        ({"birthday": "1990-02-30"}, "日期"),
        ({"birthday": "2999-01-01"}, "1900"),
        ({"home_store": "99999999999999999999"}, "选择"),
        ({"allergies": "敏" * 2001}, "2000"),
        ({"tags": "标" * 51}, "50"),
        ({"name": "a\x00b"}, "字符"),
    ],
)
def test_hostile_card_input_gets_a_chinese_message(client, shop, values, message):
    client.force_login(shop["desk"])
    response = _new(client, shop, **values)
    assert response.status_code == 200
    errors = [str(e) for errs in response.context["form"].errors.values() for e in errs]
    assert errors and any(message in e for e in errors), errors
    assert not Customer.objects.filter(mobile="+8613912345678").exists()


def test_an_edit_shows_its_history_and_the_channel_stays_locked(client, shop):
    client.force_login(shop["desk"])
    _new(client, shop)
    customer = Customer.objects.get(mobile="+8613912345678")
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    assert form.fields["channel"].disabled and "allergies" not in form.fields
    data = {**form.initial, "occupation": "教师", "channel": "tv"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["home_store"] = shop["store"].pk
    response = client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.occupation == "教师" and customer.channel == "newspaper"
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    history = page.split('id="field-history"')[1]
    assert "职业" in history and "教师" in history and "前台" in history


def test_only_an_admin_corrects_the_channel_with_a_reason(client, shop):
    customer = make_customer(
        shop["org"], name="甲", mobile="+8613900000005", home_store=shop["store"], channel="tv"
    )
    client.force_login(shop["manager"])
    url = f"/customers/{customer.pk}/correction/"
    assert client.post(url, {"channel": "online", "reason": "录错"}).status_code == 403
    client.force_login(shop["admin"])
    client.post(url, {"channel": "online", "reason": ""})
    customer.refresh_from_db()
    assert customer.channel == "tv"
    client.post(url, {"channel": "online", "referrer": "OLD-1", "reason": "前台录错"})
    customer.refresh_from_db()
    assert customer.channel == "online" and customer.referrer == shop["existing"]
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "前台录错" in page.split('id="field-history"')[1]
    assert AuditEvent.objects.filter(action="customer.correct_acquisition").count() == 1


def test_the_manager_changes_the_owner_with_a_reason(client, shop):
    customer = make_customer(
        shop["org"], name="乙", owner=shop["consultant"], home_store=shop["store"]
    )
    url = f"/customers/{customer.pk}/owner/"
    client.force_login(shop["desk"])
    assert client.post(url, {"owner": shop["consultant_b"].pk, "reason": "x"}).status_code == 403
    client.force_login(shop["manager"])
    client.post(url, {"owner": shop["consultant_b"].pk, "reason": ""})
    customer.refresh_from_db()
    assert customer.owner == shop["consultant"]
    client.post(url, {"owner": shop["consultant_b"].pk, "reason": "等候超过20分钟"})
    customer.refresh_from_db()
    assert customer.owner == shop["consultant_b"]
    change = CustomerChange.objects.get(customer=customer, field="owner")
    assert (change.before, change.after, change.reason) == ("咨询甲", "咨询乙", "等候超过20分钟")
    assert AuditEvent.objects.filter(action="customer.reassign_owner").exists()


def test_notes_tags_and_a_contact_from_the_page_land_on_the_timeline(client, shop):
    customer = shop["existing"]
    client.force_login(shop["manager"])
    client.post(f"/customers/{customer.pk}/notes/", {"text": "她喜欢周末来 13912345678"})
    client.post(f"/customers/{customer.pk}/tags/", {"tags": "老客，回访"})
    client.post(
        f"/customers/{customer.pk}/contacts/",
        {"outcome": "valid_3", "channel": "call", "decline_reason": "price", "note": "太贵"},
    )
    assert FollowUp.objects.filter(customer=customer, outcome="valid_3").exists()
    assert sorted(customer.tags.values_list("name", flat=True)) == ["回访", "老客"]
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    timeline = page.split('id="timeline"')[1].split('id="history"')[0]
    assert "她喜欢周末来" in timeline and "有效三级" in timeline
    client.force_login(shop["doctor"])
    make_order(customer, "100", practitioner=shop["doctor"])
    doctor_page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "139****5678" in doctor_page and "13912345678" not in doctor_page


def _caller_with_task(shop, customer):
    from django.utils import timezone

    CallTask.objects.create(
        organization=shop["org"],
        customer=customer,
        assignee=shop["caller"],
        due_date=timezone.localdate(),
    )


def test_health_data_is_hidden_from_a_caller_in_page_api_and_export(client, shop):
    customer = make_customer(
        shop["org"],
        name="丙",
        mobile="+8613900000006",
        home_store=shop["store"],
        allergies="利多卡因过敏",
        medical_history="心脏支架",
        health_notes="干性皮肤",
    )
    _caller_with_task(shop, customer)
    client.force_login(shop["caller"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "丙" in page
    for secret in ("利多卡因", "心脏支架", "干性皮肤"):
        assert secret not in page
    assert "仅医护与管理者可查看" in page
    export = client.get("/customers/", {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert "丙" in cells and not any("利多卡因" in c for c in cells)
    _, token = ApiToken.issue(shop["caller"])
    body = client.get(
        f"/api/customers/{customer.pk}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert body["allergies"] is None and body["medical_history"] is None
    assert body["health_recorded"] is True
    # The practitioner who treats her reads it.
    OrderLine.objects.all().delete()
    make_order(customer, "100", practitioner=shop["doctor"])
    client.force_login(shop["doctor"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "利多卡因过敏" in page and "心脏支架" in page


def test_the_history_hides_health_values_from_a_caller(client, shop):
    customer = shop["existing"]
    _caller_with_task(shop, customer)
    client.force_login(shop["manager"])
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(home_store=shop["store"].pk, allergies="海鲜过敏")
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    assert "海鲜过敏" in client.get(f"/customers/{customer.pk}/").content.decode()
    client.force_login(shop["caller"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "海鲜过敏" not in page and "已记录" in page.split('id="field-history"')[1]


def test_the_front_desk_sees_her_store_and_the_customer_pages_only(client, demo):
    org = demo["org"]
    store = demo["manager1"].role_assignments.get().store
    desk = make_staff(org, Role.FRONT_DESK, store=store, name="前台小张")
    client.force_login(desk)
    assert client.get("/").status_code == 200
    for url in PAGES:
        expected = 200 if "desk1" in PAGES[url] else 403  # the desk, calendar, customers
        assert client.get(url).status_code == expected, url
    inside = Customer.objects.filter(organization=org, home_store=store).first()
    outside = Customer.objects.filter(organization=org).exclude(home_store=store).first()
    assert client.get(f"/customers/{inside.pk}/").status_code == 200
    assert client.get(f"/customers/{inside.pk}/edit/").status_code == 200
    assert client.get(f"/customers/{outside.pk}/").status_code == 404
    assert client.get(f"/customers/{outside.pk}/edit/").status_code == 404
    seen, problems = crawl(client, ["/", "/customers/", "/customers/new/"])
    assert len(seen) > 3 and problems == {}, problems


@pytest.mark.parametrize("username", ["caller1", "doctor1", "supervisor"])
def test_roles_without_the_card_may_not_create_or_edit(client, demo, username):
    from revisit.core.access import visible_customers

    staff = demo[username]
    client.force_login(staff)
    assert client.get("/customers/new/").status_code == 403
    inside = visible_customers(staff).first()
    assert client.get(f"/customers/{inside.pk}/edit/").status_code == 403
    assert 'id="new-card"' not in client.get("/customers/").content.decode()


def test_the_admin_keeps_the_psychology_type_list(client, shop):
    client.force_login(shop["manager"])
    listing = client.get("/settings/psychology/").content.decode()
    assert "缺陷恐惧型" in listing and 'id="new-psychology-type"' not in listing
    kind = PsychologyType.objects.get(organization=shop["org"], name="敏感多疑型")
    data = {"name": "敏感多疑型", "position": 3, "needs_intervention": "on", "is_active": "on"}
    assert client.post(f"/settings/psychology/{kind.pk}/", data).status_code == 403
    client.force_login(shop["admin"])
    assert client.post(f"/settings/psychology/{kind.pk}/", data).status_code == 302
    kind.refresh_from_db()
    assert kind.needs_intervention
    assert AuditEvent.objects.filter(action="psychology_type.edit").exists()
    taken = client.post(f"/settings/psychology/{kind.pk}/", {**data, "name": "缺陷恐惧型"})
    assert taken.status_code == 200 and "已有" in str(taken.context["form"].errors)
    new = {"name": "焦虑型", "position": 7, "is_active": "on", "description": "术前焦虑"}
    assert client.post("/settings/psychology/new/", new).status_code == 302
    assert PsychologyType.objects.filter(organization=shop["org"]).count() == 7
    elsewhere = PsychologyType.objects.create(organization=make_org(), name="别家")
    assert client.get(f"/settings/psychology/{elsewhere.pk}/").status_code == 404
    client.force_login(shop["desk"])
    assert client.get("/settings/psychology/").status_code == 403


def test_occupation_group_and_wedding_anniversary_are_on_the_card(client, shop):
    """The card records what the holiday and anniversary journeys read: the occupation
    group (建军节 for soldiers, 教师节 for teachers) and the wedding anniversary."""
    client.force_login(shop["desk"])
    _new(client, shop, occupation="中学老师", occupation_group="teacher")
    customer = Customer.objects.get(mobile="+8613912345678")
    assert customer.occupation_group == "teacher"
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    data = {**form.initial, "occupation_group": "soldier", "wedding_anniversary": "2015-05-20"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["home_store"] = shop["store"].pk
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    customer.refresh_from_db()
    assert customer.occupation_group == "soldier"
    assert str(customer.wedding_anniversary) == "2015-05-20"
    page = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "（军人）" in page or "(军人)" in page
    assert "结婚纪念日" in page
    for bad, words in (
        ({"occupation_group": "pirate"}, "选择"),
        ({"wedding_anniversary": "2999-01-01"}, "1900"),
    ):
        response = client.post(f"/customers/{customer.pk}/edit/", {**data, **bad})
        assert response.status_code == 200
        errors = [str(e) for errs in response.context["form"].errors.values() for e in errs]
        assert any(words in e for e in errors), errors
