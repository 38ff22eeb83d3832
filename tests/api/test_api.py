"""The REST API: tokens, scoping, masking, pagination limits, recording follow-ups."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from revisit.api.models import ApiToken
from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.core.models import AuditEvent
from revisit.customers.models import Customer
from revisit.grading.models import Inventory
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db


def bearer(staff) -> dict:
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}"}


def test_no_token_or_a_wrong_or_revoked_token_is_401(client, demo):
    assert client.get("/api/customers").status_code == 401
    assert client.get("/api/customers", headers={"Authorization": "Bearer nope"}).status_code == 401
    record, token = ApiToken.issue(demo["admin"])
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/customers", headers=headers).status_code == 200
    out = StringIO()
    call_command("token", "revoke", record.prefix, stdout=out)
    assert client.get("/api/customers", headers=headers).status_code == 401


def test_token_command_shows_the_token_once_and_stores_only_a_hash(demo):
    out = StringIO()
    call_command("token", "create", "--user", "consultant1", "--name", "phone app", stdout=out)
    token = out.getvalue().split("(shown once): ")[1].split()[0]
    record = ApiToken.objects.get(name="phone app")
    assert token not in (record.digest, record.prefix) and token.startswith(record.prefix)


@pytest.mark.parametrize(
    "username", ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
)
def test_every_role_gets_exactly_its_scope_and_404_outside(client, demo, username):
    staff = demo[username]
    headers = bearer(staff)
    visible = visible_customers(staff)
    body = client.get("/api/customers", {"limit": 200}, headers=headers).json()
    assert body["count"] == visible.count()
    assert {c["id"] for c in body["items"]} <= set(visible.values_list("pk", flat=True))
    stranger = make_customer(make_org(), "X-9", mobile="+8613900001111")
    outside = [stranger, *Customer.objects.exclude(pk__in=visible.values("pk"))[:3]]
    for customer in outside:
        for method, url in [
            ("get", f"/api/customers/{customer.pk}"),
            ("post", f"/api/customers/{customer.pk}/phone"),
            ("get", f"/api/customers/{customer.pk}/followups"),
            ("get", f"/api/customers/{customer.pk}/wallet"),
            ("get", f"/api/customers/{customer.pk}/membership"),
        ]:
            assert getattr(client, method)(url, headers=headers).status_code == 404, url
    orders = client.get("/api/orders", {"customer_id": stranger.pk}, headers=headers).json()
    assert orders["count"] == 0


def test_phones_leave_masked_and_the_reveal_is_audited(client, demo):
    headers = bearer(demo["consultant1"])
    customer = visible_customers(demo["consultant1"]).exclude(mobile="").first()
    body = client.get(f"/api/customers/{customer.pk}", headers=headers).json()
    national = customer.mobile.removeprefix("+86")
    assert body["mobile_masked"] == f"{national[:3]}****{national[-4:]}"
    assert national not in str(body)
    revealed = client.post(f"/api/customers/{customer.pk}/phone", headers=headers).json()
    assert revealed == {"mobile": national, "email": ""}  # no address on her card
    assert AuditEvent.objects.filter(action="phone.reveal", data__via="api").count() == 1
    doctor = bearer(demo["doctor1"])
    served = visible_customers(demo["doctor1"]).first()
    assert client.post(f"/api/customers/{served.pk}/phone", headers=doctor).status_code == 403


def test_pages_are_limited_to_200(client, demo):
    headers = bearer(demo["admin"])
    assert client.get("/api/customers", {"limit": 5000}, headers=headers).status_code == 422
    body = client.get("/api/customers", {"limit": 200}, headers=headers).json()
    assert body["count"] == 400 and len(body["items"]) == 200
    assert len(client.get("/api/customers", headers=headers).json()["items"]) == 50
    nxt = client.get("/api/customers", {"limit": 200, "offset": 200}, headers=headers).json()
    assert not {c["id"] for c in body["items"]} & {c["id"] for c in nxt["items"]}


def test_inventories_and_grades_for_managers_only(client, demo):
    latest = Inventory.objects.filter(organization=demo["org"]).latest("as_of")
    manager = bearer(demo["manager1"])
    detail = client.get(f"/api/inventories/{latest.pk}", headers=manager).json()
    store = demo["manager1"].role_assignments.get().store
    in_store = latest.grades.filter(customer__home_store=store).count()
    assert sum(r["count"] for r in detail["segments"]) == in_store
    grades = client.get(f"/api/inventories/{latest.pk}/grades", headers=manager).json()
    assert grades["count"] == in_store
    consultant = bearer(demo["consultant1"])
    assert client.get("/api/inventories", headers=consultant).status_code == 403


def test_recording_a_follow_up_through_the_api_once(client, demo):
    consultant = demo["consultant1"]
    headers = bearer(consultant)
    tasks = client.get("/api/call-tasks", headers=headers).json()
    assert (
        tasks["count"]
        == CallTask.objects.filter(assignee=consultant, due_date=local_date(demo["org"])).count()
    )
    task_id = tasks["items"][0]["id"]
    tomorrow = local_date(demo["org"]) + timedelta(days=1)
    body = {"outcome": "valid_1", "appointment_at": f"{tomorrow}T15:00:00"}
    first = client.post(
        f"/api/call-tasks/{task_id}/followups",
        body,
        content_type="application/json",
        headers=headers,
    )
    again = client.post(
        f"/api/call-tasks/{task_id}/followups",
        body,
        content_type="application/json",
        headers=headers,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert FollowUp.objects.filter(task_id=task_id).count() == 1
    bad = client.post(
        f"/api/call-tasks/{tasks['items'][1]['id']}/followups",
        {"outcome": "valid_3"},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400 and "拒绝原因" in bad.json()["detail"]


def test_openapi_and_docs_are_served_without_the_internet(client, demo):
    schema = client.get("/api/openapi.json").json()
    assert "/api/customers" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "cdn." not in docs and "swagger-ui-bundle.js" in docs
