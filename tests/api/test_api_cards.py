"""The card through the API: register (duplicate 409, scoped), edit with history, the
channel lock and the administrator's correction, health data hidden, hostile bodies,
404 outside the scope for every role, and the OpenAPI document."""

import pytest

from revisit.api.models import ApiToken
from revisit.core.access import visible_customers
from revisit.customers.models import Customer
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db


def bearer(staff) -> dict:
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}"}


BODY = {"name": "赵敏", "mobile": "13912340000", "channel": "online", "allergies": "酒精"}


def test_register_through_the_api_and_the_duplicate_is_409(client, shop):
    headers = bearer(shop["desk"])
    response = client.post("/api/customers", BODY, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile_masked"] == "139****0000" and body["channel"] == "online"
    assert body["allergies"] is None and body["health_recorded"]  # the desk may not read it
    customer = Customer.objects.get(pk=body["id"])
    assert customer.allergies == "酒精" and customer.home_store == shop["store"]
    again = client.post("/api/customers", BODY, content_type="application/json", headers=headers)
    assert again.status_code == 409 and again.json()["existing_id"] == customer.pk
    elsewhere = client.post(
        "/api/customers",
        {**BODY, "home_store_id": shop["other"].pk},
        content_type="application/json",
        headers=bearer(shop["desk_b"]),
    )
    assert elsewhere.status_code == 409 and elsewhere.json()["existing_id"] is None


def test_roles_without_the_card_are_refused_and_choices_are_scoped(client, shop):
    post = dict(path="/api/customers", content_type="application/json")
    assert client.post(data=BODY, headers=bearer(shop["caller"]), **post).status_code == 403
    headers = bearer(shop["desk"])
    outside = client.post(data={**BODY, "home_store_id": shop["other"].pk}, headers=headers, **post)
    assert outside.json()["detail"] == "home_store_id: 可选范围内没有这条记录。"
    stranger = make_customer(make_org(), "X-1", name="别家")
    refused = client.post(data={**BODY, "referrer_id": stranger.pk}, headers=headers, **post)
    assert refused.status_code == 400
    assert not Customer.objects.filter(mobile="+8613912340000").exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"name": "名" * 101}, 422),
        ({"mobile": "12345"}, 400),
        ({"mobile": "1" * 41}, 422),
        ({"birthday": "2024-02-30"}, 422),
        ({"birthday": "1800-01-01"}, 400),
        ({"gender": "Q"}, 400),
        ({"risk_flags": ["x"] * 11}, 422),
        ({"address": "a\u0000b"}, 400),
        ({"home_store_id": 2**64}, 422),
    ],
)
def test_hostile_bodies_are_refused_without_a_server_error(client, shop, change, status):
    response = client.post(
        "/api/customers",
        {**BODY, **change},
        content_type="application/json",
        headers=bearer(shop["desk"]),
    )
    assert response.status_code == status, response.content
    assert not Customer.objects.filter(mobile="+8613912340000").exists()


def test_edit_keeps_history_and_the_channel_needs_an_admin(client, shop):
    customer = make_customer(
        shop["org"], name="钱", mobile="+8613900000007", home_store=shop["store"], channel="tv"
    )
    url = f"/api/customers/{customer.pk}"
    manager = bearer(shop["manager"])
    response = client.patch(
        url, {"occupation": "律师"}, content_type="application/json", headers=manager
    )
    assert response.status_code == 200 and response.json()["occupation"] == "律师"
    locked = client.patch(
        url, {"channel": "online"}, content_type="application/json", headers=manager
    )
    assert locked.status_code == 400 and "管理员" in locked.json()["detail"]
    correction = {"channel": "online", "reason": "录错了"}
    fix = f"{url}/acquisition-correction"
    assert (
        client.post(fix, correction, content_type="application/json", headers=manager).status_code
        == 403
    )
    admin = bearer(shop["admin"])
    done = client.post(fix, correction, content_type="application/json", headers=admin)
    assert done.status_code == 200 and done.json()["channel"] == "online"
    history = client.get(f"{url}/history", headers=manager).json()["items"]
    assert {(h["field"], h["before"], h["after"]) for h in history} == {
        ("occupation", "", "律师"),
        ("channel", "tv", "online"),
    }


def test_health_fields_are_hidden_and_not_writable_for_a_consultant(client, shop):
    customer = make_customer(
        shop["org"],
        name="孙",
        mobile="+8613900000008",
        owner=shop["consultant"],
        home_store=shop["store"],
        allergies="碘",
    )
    url = f"/api/customers/{customer.pk}"
    consultant = bearer(shop["consultant"])
    assert client.get(url, headers=consultant).json()["allergies"] is None
    refused = client.patch(
        url, {"allergies": ""}, content_type="application/json", headers=consultant
    )
    assert refused.status_code == 403
    manager = bearer(shop["manager"])
    client.patch(url, {"allergies": "碘、乳胶"}, content_type="application/json", headers=manager)
    assert client.get(url, headers=manager).json()["allergies"] == "碘、乳胶"
    consultant_history = client.get(f"{url}/history", headers=consultant).json()["items"]
    assert consultant_history[0]["field"] == "allergies"
    assert consultant_history[0]["after"] == "" and consultant_history[0]["before"] == ""


@pytest.mark.parametrize(
    "username", ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
)
def test_card_endpoints_are_404_outside_the_scope_for_every_role(client, demo, username):
    staff = demo[username]
    headers = bearer(staff)
    visible = visible_customers(staff)
    stranger = make_customer(make_org(), "X-9", mobile="+8613900001111")
    outside = [stranger, *Customer.objects.exclude(pk__in=visible.values("pk"))[:3]]
    for customer in outside:
        url = f"/api/customers/{customer.pk}"
        calls = [
            client.patch(url, {"name": "改"}, content_type="application/json", headers=headers),
            client.post(
                f"{url}/acquisition-correction",
                {"channel": "tv", "reason": "x"},
                content_type="application/json",
                headers=headers,
            ),
            client.get(f"{url}/history", headers=headers),
        ]
        assert [c.status_code for c in calls] == [404, 404, 404], url
        assert Customer.objects.get(pk=customer.pk).name != "改"


def test_openapi_documents_the_card_endpoints(client, demo):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/customers"] and "get" in paths["/api/customers"]
    assert "patch" in paths["/api/customers/{customer_id}"]
    assert "post" in paths["/api/customers/{customer_id}/acquisition-correction"]
    assert "get" in paths["/api/customers/{customer_id}/history"]
