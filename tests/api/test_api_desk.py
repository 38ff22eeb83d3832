"""The desk's API: book, refuse outside a shift, change states, walk-ins, consultations
and the roster, scoped like the pages (404 outside) with phones masked."""

from datetime import time, timedelta

import pytest

from revisit.appointments.models import Appointment, Consultation, Shift
from revisit.appointments.shifts import add_shift
from revisit.core.clock import local_date
from revisit.core.models import AuditEvent, Role, Store
from revisit.customers.models import Customer
from tests.api.test_api import bearer
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]


@pytest.fixture
def desk(demo):
    org = demo["org"]
    sh01 = Store.objects.get(organization=org, code="SH01")
    Shift.objects.filter(practitioner=demo["doctor1"]).delete()
    for day in range(7):
        add_shift(
            sh01,
            demo["doctor1"],
            weekday=day,
            starts=time(8),
            ends=time(20),
            actor=demo["manager1"],
        )
    customer = Customer.objects.filter(organization=org, home_store=sh01).exclude(mobile="").first()
    soon = (local_date(org) + timedelta(days=2)).isoformat()
    return {**demo, "sh01": sh01, "customer": customer, "soon": soon}


def _book(client, desk, headers=None, **extra):
    body = {
        "customer_id": desk["customer"].pk,
        "store_id": desk["sh01"].pk,
        "starts_at": f"{desk['soon']}T10:00:00",
        "duration_minutes": 60,
        "practitioner_id": desk["doctor1"].pk,
        **extra,
    }
    return client.post(
        "/api/appointments",
        body,
        content_type="application/json",
        headers=headers or bearer(desk["manager1"]),
    )


def test_book_refuse_outside_a_shift_and_walk_the_states(client, desk):
    headers = bearer(desk["manager1"])
    refused = _book(client, desk, starts_at=f"{desk['soon']}T21:00:00")
    assert refused.status_code == 400 and "排班不包含" in refused.json()["detail"]
    booked = _book(client, desk)
    assert booked.status_code == 201, booked.content
    body = booked.json()
    assert body["status"] == "booked" and "****" in body["mobile_masked"]
    assert desk["customer"].mobile not in booked.content.decode()
    assert body["starts_at"].startswith(f"{desk['soon']}T10:00:00") or body["starts_at"].startswith(
        f"{desk['soon']}T02:00:00"
    )
    pk = body["id"]
    clash = _book(client, desk, starts_at=f"{desk['soon']}T10:30:00")
    assert clash.status_code == 400

    def move(to, **extra):
        return client.post(
            f"/api/appointments/{pk}/transition",
            {"to": to, **extra},
            content_type="application/json",
            headers=headers,
        )

    assert move("cancelled").status_code == 400  # needs a reason
    assert move("confirmed").json()["status"] == "confirmed"
    assert move("arrived").json()["status"] == "arrived"
    again = move("confirmed")
    assert again.status_code == 400 and "不能" in again.json()["detail"]
    assert move("bogus").status_code == 422
    consultation = client.post(
        "/api/consultations",
        {
            "appointment_id": pk,
            "consultant_id": desk["consultant1"].pk,
            "result": "no_deal",
            "no_deal_reason": "competitor",
            "quoted_price": "2980.00",
        },
        content_type="application/json",
        headers=headers,
    )
    assert consultation.status_code == 201, consultation.content
    assert Consultation.objects.get().no_deal_reason == "competitor"
    doctor = bearer(desk["doctor1"])
    started = client.post(
        f"/api/appointments/{pk}/transition",
        {"to": "in_treatment"},
        content_type="application/json",
        headers=doctor,
    )
    assert started.json()["status"] == "in_treatment"
    done = client.post(
        f"/api/appointments/{pk}/transition",
        {"to": "done", "note": "术后冰敷"},
        content_type="application/json",
        headers=doctor,
    )
    assert done.json()["status"] == "done"
    assert (
        AuditEvent.objects.filter(target_id=str(pk), action__startswith="appointment.").count() == 5
    )


def test_walk_in_arrivals_and_consultant_through_the_api(client, desk):
    headers = bearer(desk["caller1"])
    walked = client.post(
        "/api/walk-ins",
        {"customer_id": desk["customer"].pk, "store_id": desk["sh01"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert walked.status_code == 201 and walked.json()["source"] == "walk_in"
    arrivals = client.get(f"/api/arrivals?store={desk['sh01'].pk}", headers=headers).json()
    assert [a["id"] for a in arrivals] == [walked.json()["id"]]
    assert arrivals[0]["waiting_minutes"] == 0
    assigned = client.post(
        f"/api/appointments/{walked.json()['id']}/consultant",
        {"consultant_id": desk["consultant2"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert assigned.json()["consultant_id"] == desk["consultant2"].pk
    wrong = client.post(
        f"/api/appointments/{walked.json()['id']}/consultant",
        {"consultant_id": desk["consultant3"].pk},  # HZ01's
        content_type="application/json",
        headers=headers,
    )
    assert wrong.status_code == 400


def test_shifts_through_the_api_refuse_overlaps(client, desk):
    headers = bearer(desk["manager1"])
    body = {
        "store_id": desk["sh01"].pk,
        "practitioner_id": desk["doctor1"].pk,
        "weekday": 0,
        "starts": "19:00",
        "ends": "02:00",
    }
    assert (
        client.post(
            "/api/shifts", body, content_type="application/json", headers=headers
        ).status_code
        == 400
    )
    body.update(starts="20:00")
    created = client.post("/api/shifts", body, content_type="application/json", headers=headers)
    assert created.status_code == 201
    listed = client.get(f"/api/shifts?store={desk['sh01'].pk}", headers=headers).json()
    assert len(listed) == 8
    assert client.delete(f"/api/shifts/{created.json()['id']}", headers=headers).status_code == 204
    caller = bearer(desk["caller1"])
    assert (
        client.post(
            "/api/shifts", body, content_type="application/json", headers=caller
        ).status_code
        == 403
    )


@pytest.mark.parametrize("username", ROLE_USERS)
def test_every_desk_endpoint_is_404_outside_the_scope(client, desk, username):
    headers = bearer(desk[username])
    org = make_org()
    store = make_store(org, "X")
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    doctor = make_staff(org, Role.PRACTITIONER, store=store)
    shift = add_shift(store, doctor, weekday=0, starts=time(9), ends=time(10), actor=manager)
    stranger = make_customer(org, "X-1", home_store=store, mobile="+8613900000001")
    appointment = Appointment.objects.create(
        organization=org,
        customer=stranger,
        store=store,
        starts_at=shift_time(org),
        ends_at=shift_time(org) + timedelta(hours=1),
    )
    far = Store.objects.get(organization=desk["org"], code="SZ01")
    allowed = {403, 404}
    calls = [
        ("get", f"/api/appointments/{appointment.pk}", None),
        ("get", f"/api/appointments?store={store.pk}", None),
        ("post", f"/api/appointments/{appointment.pk}/transition", {"to": "confirmed"}),
        ("post", f"/api/appointments/{appointment.pk}/transition", {"to": "done", "note": "x"}),
        (
            "post",
            f"/api/appointments/{appointment.pk}/reschedule",
            {"starts_at": "2026-12-01T10:00:00"},
        ),
        ("post", f"/api/appointments/{appointment.pk}/consultant", {"consultant_id": manager.pk}),
        ("get", f"/api/arrivals?store={store.pk}", None),
        ("post", "/api/walk-ins", {"customer_id": stranger.pk, "store_id": store.pk}),
        ("post", "/api/walk-ins", {"customer_id": stranger.pk, "store_id": desk["sh01"].pk}),
        (
            "post",
            "/api/consultations",
            {"appointment_id": appointment.pk, "consultant_id": manager.pk, "result": "deal"},
        ),
        ("get", f"/api/shifts?store={store.pk}", None),
        (
            "post",
            "/api/shifts",
            {
                "store_id": store.pk,
                "practitioner_id": doctor.pk,
                "weekday": 3,
                "starts": "09:00",
                "ends": "10:00",
            },
        ),
        ("delete", f"/api/shifts/{shift.pk}", None),
        (
            "post",
            "/api/appointments",
            {
                "customer_id": stranger.pk,
                "store_id": desk["sh01"].pk,
                "starts_at": "2026-12-01T10:00:00",
            },
        ),
    ]
    if username not in ("admin",):
        calls.append(("get", f"/api/arrivals?store={far.pk}", None))
        calls.append(
            ("get", f"/api/appointments?store={far.pk}", None)
            if username != "supervisor"
            else ("get", "/api/appointments/999999999", None)
        )
    for method, url, body in calls:
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code in allowed, (username, method, url, response.status_code)
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert Shift.objects.filter(pk=shift.pk).exists()
    assert not Appointment.objects.filter(customer=stranger).exclude(pk=appointment.pk).exists()


def shift_time(org):
    from revisit.core.clock import day_bounds

    return day_bounds(org, local_date(org))[0] + timedelta(hours=9)


def test_openapi_documents_the_desk(client, demo):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in [
        "/api/appointments",
        "/api/appointments/{appointment_id}/transition",
        "/api/arrivals",
        "/api/walk-ins",
        "/api/consultations",
        "/api/shifts",
    ]:
        assert path in paths
