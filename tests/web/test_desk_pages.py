"""The desk's pages as every role: the Chinese labels, 404 for any record outside the
role's scope (another organization's, another store's), and hostile inputs answered with
a message instead of an error."""

from datetime import date, time, timedelta

import pytest

from revisit.appointments.consultations import record_consultation
from revisit.appointments.models import Appointment, Consultation, Leave, Room, Shift
from revisit.appointments.services import book_appointment, mark_arrived
from revisit.appointments.shifts import add_leave, add_room, add_shift
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Role, Store
from revisit.customers.models import Customer
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.test_labels_crawl import crawl

pytestmark = pytest.mark.django_db
# A day ahead within the booking horizon (every day has a shift in these tests).
SOON = (date.today() + timedelta(days=7)).isoformat()
ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]


def _all_day_shifts(store, doctor, actor):
    Shift.objects.filter(practitioner=doctor).delete()
    for day in range(7):
        add_shift(store, doctor, weekday=day, starts=time(6), ends=time(23, 30), actor=actor)


@pytest.fixture
def desk(demo):
    """The demo with today's appointments at SH01 (booked, arrived and consulted, done)
    and one at SZ01 (outside every SH01 person's scope)."""
    org = demo["org"]
    sh01, sz01 = (
        Store.objects.get(organization=org, code="SH01"),
        Store.objects.get(organization=org, code="SZ01"),
    )
    manager, doctor = demo["manager1"], demo["doctor1"]
    _all_day_shifts(sh01, doctor, manager)
    _all_day_shifts(sz01, demo["doctor3"], demo["manager3"])
    start, _end = day_bounds(org, local_date(org))
    customers = list(Customer.objects.filter(organization=org, home_store=sh01)[:3])
    made = [
        book_appointment(
            c,
            starts_at=start + timedelta(hours=9 + i),
            actor=manager,
            store=sh01,
            practitioner=doctor,
            now=start,
        )
        for i, c in enumerate(customers)
    ]
    arrived = mark_arrived(made[1], actor=manager)
    record_consultation(
        arrived.customer,
        store=sh01,
        consultant=demo["consultant1"],
        actor=manager,
        result="no_deal",
        no_deal_reason="price",
        appointment=arrived,
    )
    far = Customer.objects.filter(organization=org, home_store=sz01).first()
    elsewhere = book_appointment(
        far,
        starts_at=start + timedelta(hours=10),
        actor=demo["manager3"],
        store=sz01,
        practitioner=demo["doctor3"],
        now=start,
    )
    room = add_room(sh01, name="激光室", actor=manager)
    leave = add_leave(
        sh01,
        doctor,
        starts_at=start + timedelta(days=3),
        ends_at=start + timedelta(days=4),
        reason="年假",
        actor=manager,
    )
    return {
        **demo,
        "sh01": sh01,
        "sz01": sz01,
        "made": made,
        "elsewhere": elsewhere,
        "room": room,
        "leave": leave,
    }


@pytest.mark.parametrize("username", ROLE_USERS)
def test_desk_pages_show_labels_not_codes(client, desk, username):
    client.force_login(desk[username])
    start = [
        "/calendar/",
        "/calendar/?view=day",
        "/calendar/?by=room",
        "/calendar/tomorrow/",
        "/desk/",
        "/desk/?q=0000",
        "/roster/",
        "/practitioner/",
        "/settings/desk/",
        "/reports/consultations/",
        f"/appointments/{desk['made'][1].pk}/",
        f"/appointments/{desk['made'][0].pk}/",
        f"/appointments/{desk['made'][0].pk}/consultation/",
    ]
    seen, problems = crawl(client, start)
    assert problems == {}, problems


# (url, method, data) per record kind; {pk} is the record's id.
APPOINTMENT_URLS = [
    ("/appointments/{pk}/", "get", None),
    ("/appointments/{pk}/state/", "post", {"to": "confirmed"}),
    (
        "/appointments/{pk}/reschedule/",
        "post",
        {"day": "2030-01-01", "time": "10:00", "duration": "60"},
    ),
    ("/appointments/{pk}/consultant/", "post", {"consultant": "1"}),
    ("/appointments/{pk}/consultation/", "get", None),
    ("/appointments/{pk}/treatment/start/", "post", {}),
    ("/appointments/{pk}/treatment/note/", "post", {"note": "x"}),
]
ROSTER_URLS = [
    ("/roster/shifts/{pk}/remove/", "post", {}, "shift"),
    ("/roster/leave/{pk}/remove/", "post", {}, "leave"),
    ("/roster/rooms/{pk}/remove/", "post", {}, "room"),
]
STORE_URLS = [
    ("/calendar/?store={pk}", "get", None),
    ("/calendar/tomorrow/?store={pk}", "get", None),
    ("/calendar/book/?store={pk}", "get", None),
    ("/desk/?store={pk}", "get", None),
    ("/desk/walk-in/", "post", {"store": "{pk}", "customer": "1"}),
    ("/roster/?store={pk}", "get", None),
    ("/roster/shifts/", "post", {"store": "{pk}"}),
    ("/roster/leave/", "post", {"store": "{pk}"}),
    ("/roster/rooms/", "post", {"store": "{pk}", "name": "x"}),
]


def _call(client, method, url, data, pk):
    url = url.format(pk=pk)
    if data is not None:
        data = {k: v.format(pk=pk) for k, v in data.items()}
    return getattr(client, method)(url, data or {})


def _other_org_records():
    org = make_org()
    store = make_store(org, "X1")
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    doctor = make_staff(org, Role.PRACTITIONER, store=store)
    add_shift(store, doctor, weekday=0, starts=time(9), ends=time(18), actor=manager)
    customer = make_customer(org, "X-1", home_store=store)
    appointment = book_appointment(
        customer, starts_at=day_bounds(org, local_date(org))[0], actor=manager, store=store
    )
    return {
        "store": store,
        "appointment": appointment,
        "shift": Shift.objects.get(store=store),
        "leave": add_leave(
            store,
            doctor,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            reason="",
            actor=manager,
        ),
        "room": add_room(store, name="X", actor=manager),
    }


@pytest.mark.parametrize("username", ROLE_USERS)
def test_records_outside_the_scope_are_404_for_every_role(client, desk, username):
    staff = desk[username]
    client.force_login(staff)
    stranger = _other_org_records()
    appointments = [stranger["appointment"], Appointment(pk=999_999_999)]
    if username not in ("admin", "supervisor2"):
        appointments.append(desk["elsewhere"])  # SZ01: nobody of SH01 or the EAST region
    for appointment in appointments:
        for url, method, data in APPOINTMENT_URLS:
            response = _call(client, method, url, data, appointment.pk)
            assert response.status_code in (403, 404), (url, response.status_code)
            if response.status_code == 403:  # the role may not use this page at all
                assert not _role_may(username, url), (username, url)
    stores = [stranger["store"]] + (
        [desk["sz01"]] if username not in ("admin", "supervisor") else []
    )
    if username == "supervisor":
        stores.append(desk["sz01"])  # EAST's supervisor does not see SOUTH's store
    for store in stores:
        for url, method, data in STORE_URLS:
            response = _call(client, method, url, data, store.pk)
            assert response.status_code in (403, 404), (username, url, response.status_code)
    for url, method, data, kind in ROSTER_URLS:
        response = _call(client, method, url, data, stranger[kind].pk)
        assert response.status_code in (403, 404), (username, url)
    assert Appointment.objects.filter(pk=stranger["appointment"].pk, status="booked").exists()
    assert Shift.objects.filter(pk=stranger["shift"].pk).exists()
    assert Leave.objects.filter(pk=stranger["leave"].pk).exists()
    assert Room.objects.filter(pk=stranger["room"].pk).exists()


def _role_may(username, url):
    desk_roles = {"admin", "manager1", "consultant1", "caller1", "desk1"}
    if "treatment" in url:
        return username in {"admin", "manager1", "doctor1"}
    if url.endswith("/{pk}/"):
        return True
    return username in desk_roles


def test_a_practitioner_sees_only_her_own_appointments(client, desk):
    client.force_login(desk["doctor1"])
    own = desk["made"][0]
    assert client.get(f"/appointments/{own.pk}/").status_code == 200
    Appointment.objects.filter(pk=own.pk).update(practitioner=None)
    assert client.get(f"/appointments/{own.pk}/").status_code == 404
    page = client.get("/calendar/?view=day").content.decode()
    assert f"/appointments/{own.pk}/" not in page
    assert f"/appointments/{desk['made'][1].pk}/" in page


@pytest.mark.parametrize(
    "query",
    [
        "?day=2024-02-30",
        "?day=99999-01-01",
        "?day=" + "9" * 500,
        "?view=month",
        "?by=chair%00",
        "?store=99999999999999999999999",
        "?store=-1",
        "?store=abc",
    ],
)
def test_hostile_calendar_parameters_get_a_message(client, desk, query):
    client.force_login(desk["manager1"])
    response = client.get("/calendar/" + query)
    assert response.status_code in (400, 404)
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("day", "2024-02-30", "日期"),
        ("day", "1800-01-01", "日期"),
        ("time", "25:00", "时间"),
        ("time", "x" * 5000, "时间"),
        ("duration", "100000000000000000000", "720"),
        ("duration", "0", "5"),
        ("customer", "x" * 41, "40"),
        ("customer", "0000", "没有匹配"),
        ("practitioner", "99999999999", "选择"),
    ],
)
def test_hostile_booking_inputs_are_refused_in_chinese(client, desk, field, value, message):
    client.force_login(desk["manager1"])
    customer = desk["made"][0].customer
    data = {
        "store": desk["sh01"].pk,
        "customer": customer.code,
        "day": SOON,
        "time": "10:00",
        "duration": "60",
        field: value,
    }
    before = Appointment.objects.count()
    response = client.post("/calendar/book/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Appointment.objects.count() == before


def test_booking_outside_a_shift_is_refused_on_the_page(client, desk):
    client.force_login(desk["manager1"])
    customer = desk["made"][0].customer
    data = {
        "store": desk["sh01"].pk,
        "customer": customer.code,
        "day": SOON,
        "time": "23:00",
        "duration": "60",
        "practitioner": desk["doctor1"].pk,
    }
    response = client.post("/calendar/book/", data)
    assert response.status_code == 400
    assert "排班不包含" in response.content.decode()
    data["time"] = "10:00"
    response = client.post("/calendar/book/", data)
    assert response.status_code == 302


def test_a_customer_outside_the_desk_cannot_be_booked_or_walked_in(client, desk):
    client.force_login(desk["caller1"])
    far = desk["elsewhere"].customer
    data = {
        "store": desk["sh01"].pk,
        "customer": far.code,
        "day": SOON,
        "time": "10:00",
        "duration": "60",
    }
    response = client.post("/calendar/book/", data)
    assert response.status_code == 400 and "没有匹配" in response.content.decode()
    response = client.post("/desk/walk-in/", {"store": desk["sh01"].pk, "customer": far.pk})
    assert response.status_code == 404
    assert not Appointment.objects.filter(customer=far, store=desk["sh01"]).exists()


def test_refused_transitions_show_a_message_and_change_nothing(client, desk):
    client.force_login(desk["manager1"])
    arrived = desk["made"][1]
    response = client.post(f"/appointments/{arrived.pk}/state/", {"to": "confirmed"}, follow=True)
    assert (
        "不能从「已到院」改为「已确认」" in response.content.decode()
        or "不能" in response.content.decode()
    )
    arrived.refresh_from_db()
    assert arrived.status == "arrived"
    response = client.post(f"/appointments/{arrived.pk}/state/", {"to": "x" * 1000}, follow=True)
    assert "未知的预约状态" in response.content.decode()
    booked = desk["made"][0]
    response = client.post(f"/appointments/{booked.pk}/state/", {"to": "cancelled"}, follow=True)
    assert "取消原因" in response.content.decode()


def test_the_consultation_report_counts_and_the_daily_report_shows_consultations(client, desk):
    client.force_login(desk["manager1"])
    today = local_date(desk["org"]).isoformat()
    page = client.get(f"/reports/consultations/?day={today}").content.decode()
    assert "陈咨询" in page and "价格" in page
    assert Consultation.objects.count() == 1
    daily = client.get(f"/reports/daily/?day={today}")
    row = next(r for r in daily.context["people"] if r["staff"] == "陈咨询")
    assert row["consultations"] == 1


def test_the_practitioner_day_warns_before_treating_a_defect_fear_patient(client, desk):
    from revisit.customers.psychology import psychology_types

    customer = desk["made"][0].customer
    fearful = next(t for t in psychology_types(customer.organization) if t.operate_with_caution)
    Customer.objects.filter(pk=customer.pk).update(
        psychology_type=fearful, allergies="利多卡因", risk_flags=[]
    )
    client.force_login(desk["doctor1"])
    page = client.get("/practitioner/").content.decode()
    assert fearful.name in page and "不宜轻易" in page and "利多卡因" in page
    calm = next(t for t in psychology_types(customer.organization) if not t.needs_intervention)
    Customer.objects.filter(pk=customer.pk).update(psychology_type=calm, allergies="")
    page = client.get("/practitioner/").content.decode()
    assert "不宜轻易" not in page


def test_a_consultation_shows_on_the_customer_timeline(client, desk):
    customer = desk["made"][1].customer
    client.force_login(desk["manager1"])
    timeline = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "接诊" in timeline and "未成交（价格）" in timeline


def test_the_customer_page_books_her_an_appointment_at_her_store(client, desk):
    import re

    customer = desk["made"][0].customer
    client.force_login(desk["manager1"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    link = re.search(r'id="book-appointment" href="([^"]+)"', page)
    assert link, "the customer page offers no booking"
    href = link.group(1).replace("&amp;", "&")
    assert f"store={desk['sh01'].pk}" in href
    form = client.get(href)
    assert form.status_code == 200 and customer.code in form.content.decode()
    client.force_login(desk["doctor1"])
    assert 'id="book-appointment"' not in client.get(f"/customers/{customer.pk}/").content.decode()
