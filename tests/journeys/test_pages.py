"""The journeys pages: the matrix (admin edits, managers read), a journey's edit page
with hostile inputs, and the preview of a day (scoped to the reader's customers)."""

from datetime import date

import pytest

from revisit.core.access import visible_customers
from revisit.core.models import AuditEvent
from revisit.journeys.models import Journey, JourneyFiring
from revisit.journeys.services import install_default_journeys
from revisit.messaging.models import MessageTemplate
from tests.factories import Role, make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


def form_data(journey, rows=None, **fields):
    data = {
        "j-name": journey.name,
        "j-is_active": "on" if journey.is_active else "",
        "j-days": str(journey.days),
        "j-send_at": journey.send_at.strftime("%H:%M"),
    }
    rows = (
        rows
        if rows is not None
        else [
            {
                "kind": a.kind,
                "tier": a.tier,
                "membership": a.membership,
                "template": a.template_id or "",
                "task": a.task,
                "due_days": a.due_days,
            }
            for a in journey.actions.all()
        ]
    )
    data.update({"a-TOTAL_FORMS": str(len(rows)), "a-INITIAL_FORMS": str(len(rows))})
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"a-{i}-{key}"] = "" if value is None else str(value)
    data.update({f"j-{k}": v for k, v in fields.items()})
    return data


def test_the_matrix_shows_each_journey_per_tier_in_chinese(client, shop):
    client.force_login(shop.admin)
    page = client.get("/settings/journeys/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="journey-matrix"' in page
    spring = Journey.objects.get(organization=shop.org, name="春节")
    row = page[page.index(f'id="journey-{spring.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "春节，当天" in row
    assert "门店任务：上门赠送春节礼品" in row and "短信：春节祝福短信" in row
    assert "电话回访（呼叫名单）" in row
    assert "store_task" not in page and "non_member" not in page


def test_the_admin_edits_a_journey_and_its_rows(client, shop):
    client.force_login(shop.admin)
    spring = Journey.objects.get(organization=shop.org, name="春节")
    sms = MessageTemplate.objects.get(organization=shop.org, name="春节祝福短信")
    rows = [
        {"kind": "send", "tier": "A", "membership": "member", "template": sms.pk, "task": ""},
        {"kind": "store_task", "tier": "", "membership": "any", "task": "寄送春联", "due_days": 2},
        {"kind": "", "tier": "", "membership": "member"},
    ]
    response = client.post(f"/settings/journeys/{spring.pk}/", form_data(spring, rows, days="1"))
    assert response.status_code == 302
    spring.refresh_from_db()
    assert spring.days == 1
    assert [(a.kind, a.tier, a.task) for a in spring.actions.all()] == [
        ("send", "A", ""),
        ("store_task", "", "寄送春联"),
    ]
    assert AuditEvent.objects.filter(action="journey.actions").exists()
    assert AuditEvent.objects.filter(action="journey.edit").exists()


def _hostile_cases(shop):
    other = make_org()
    foreign = MessageTemplate.objects.create(
        organization=other, name="外部", channel="sms", body="你好"
    )
    return [
        ({"days": "99999"}, None, "60"),
        ({"days": "-1"}, None, "0"),
        ({"days": "abc"}, None, "整数"),
        ({"name": "名" * 500}, None, "60"),
        ({"send_at": "25:99"}, None, "时间"),
        ({}, [{"kind": "send", "membership": "member", "template": foreign.pk}], "选择"),
        ({}, [{"kind": "bogus", "membership": "member"}], "选择"),
        ({}, [{"kind": "store_task", "membership": "member", "task": "字" * 5000}], "100"),
        ({}, [{"kind": "store_task", "membership": "member", "task": ""}], "门店要做的事"),
        ({}, [{"kind": "send", "membership": "member"}], "模板"),
        ({}, [{"kind": "call", "membership": "member", "due_days": "100000"}], "60"),
    ]


def test_hostile_inputs_get_chinese_messages_and_change_nothing(client, shop):
    client.force_login(shop.admin)
    spring = Journey.objects.get(organization=shop.org, name="春节")
    before = [(a.kind, a.tier, a.task) for a in spring.actions.all()]
    for fields, rows, words in _hostile_cases(shop):
        response = client.post(
            f"/settings/journeys/{spring.pk}/",
            form_data(spring, rows, **fields),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 200, (fields, rows)
        assert words in response.content.decode(), (fields, rows, words)
    spring.refresh_from_db()
    assert spring.days == 0
    assert [(a.kind, a.tier, a.task) for a in spring.actions.all()] == before


def test_a_tampered_row_count_is_refused(client, shop):
    client.force_login(shop.admin)
    spring = Journey.objects.get(organization=shop.org, name="春节")
    before = spring.actions.count()
    data = form_data(spring, days="2")
    data["a-TOTAL_FORMS"] = "100000000"
    response = client.post(f"/settings/journeys/{spring.pk}/", data)
    assert response.status_code == 200
    del data["a-TOTAL_FORMS"]
    response = client.post(f"/settings/journeys/{spring.pk}/", data)
    assert response.status_code == 200
    spring.refresh_from_db()
    assert spring.days == 0 and spring.actions.count() == before


def test_an_event_needs_its_date_before_it_is_turned_on(client, shop):
    client.force_login(shop.admin)
    event = Journey.objects.get(organization=shop.org, trigger="event")
    data = form_data(event, is_active="on")
    response = client.post(f"/settings/journeys/{event.pk}/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请先设置活动日期" in response.content.decode()
    data["j-event_on"] = "2026-10-18"
    assert client.post(f"/settings/journeys/{event.pk}/", data).status_code == 302
    event.refresh_from_db()
    assert event.is_active and event.event_on == date(2026, 10, 18)


def test_readers_cannot_write_and_other_roles_and_orgs_see_nothing(client, shop):
    spring = Journey.objects.get(organization=shop.org, name="春节")
    manager = make_staff(shop.org, Role.STORE_MANAGER, store=shop.store)
    client.force_login(manager)
    assert client.get("/settings/journeys/").status_code == 200
    page = client.get(f"/settings/journeys/{spring.pk}/").content.decode()
    assert 'id="journey-form"' not in page
    assert client.post(f"/settings/journeys/{spring.pk}/", form_data(spring)).status_code == 403
    consultant = make_staff(shop.org, Role.CONSULTANT, store=shop.store)
    client.force_login(consultant)
    assert client.get("/settings/journeys/").status_code == 403
    assert client.get("/settings/journeys/preview/").status_code == 403
    outsider = make_staff(make_org(), Role.ADMIN)
    client.force_login(outsider)
    assert client.get(f"/settings/journeys/{spring.pk}/").status_code == 404
    assert client.post(f"/settings/journeys/{spring.pk}/", form_data(spring)).status_code == 404


def test_the_preview_counts_what_will_not_be_sent_and_sends_nothing(client, shop):
    client.force_login(shop.admin)
    page = client.get(
        "/settings/journeys/preview/?date=2026-02-17", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "2026-02-17" in page
    counts = page[page.index('id="suppression-counts"') :]
    counts = counts[: counts.index("</p>")]
    # The email with the points to the 6 members: no card has an email address.
    assert "无收件地址 6" in counts
    assert "上门赠送春节礼品" in page
    assert not JourneyFiring.objects.exists()


@pytest.mark.parametrize("value", ["x" * 5000, "2026-02-30", "0001-01-01", "'--", "９９"])
def test_a_bad_preview_date_falls_back_to_tomorrow(client, shop, value):
    client.force_login(shop.admin)
    response = client.get("/settings/journeys/preview/", {"date": value})
    assert response.status_code == 200


def test_a_store_manager_previews_only_her_store(client, shop):
    other_store = make_store(shop.org, "S2")
    make_customer(shop.org, "ELSEWHERE", name="钱", mobile="+8613700000001", home_store=other_store)
    manager = make_staff(shop.org, Role.STORE_MANAGER, store=other_store)
    client.force_login(manager)
    page = client.get("/settings/journeys/preview/?date=2027-01-01").content.decode()
    assert "ELSEWHERE" in page and ">SVIP<" not in page and "TEACHER" not in page


ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
READERS = {"admin", "supervisor", "manager1"}


@pytest.mark.parametrize("username", ROLE_USERS)
def test_every_journey_url_as_every_role(client, demo, username):
    """The scope walk of the journeys pages: readers open them, the admin alone writes,
    another organization's journey is 404 to anyone allowed the pages."""
    client.force_login(demo[username])
    install_default_journeys(demo["org"])
    own = Journey.objects.filter(organization=demo["org"]).first()
    foreign_org = make_org()
    install_default_journeys(foreign_org)
    foreign = Journey.objects.filter(organization=foreign_org).first()
    reads = 200 if username in READERS else 403
    for url in (
        "/settings/journeys/",
        "/settings/journeys/preview/",
        f"/settings/journeys/{own.pk}/",
    ):
        assert client.get(url).status_code == reads, url
    outside = 404 if username in READERS else 403
    assert client.get(f"/settings/journeys/{foreign.pk}/").status_code == outside
    assert (
        client.post(f"/settings/journeys/{foreign.pk}/", form_data(foreign)).status_code
        # A write is refused by role before any lookup (as on every settings page).
        == (404 if username == "admin" else 403)
    )
    writes = 302 if username == "admin" else 403
    assert client.post(f"/settings/journeys/{own.pk}/", form_data(own)).status_code == writes
    # A store manager's preview lists only the customers she may see.
    if username == "manager1":
        page = client.get("/settings/journeys/preview/", {"date": "2027-01-01"}).content.decode()
        hidden = demo["org"].customers.exclude(
            pk__in=visible_customers(demo[username]).values("pk")
        )
        assert hidden.exists()
        for code in hidden.values_list("code", flat=True)[:200]:
            assert f"<td>{code}</td>" not in page
