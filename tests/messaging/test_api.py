"""The messaging API: templates, the outbox scoped and masked, queueing one message."""

import pytest

from revisit.api.models import ApiToken
from revisit.messaging.models import Message, MessageTemplate
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db


def _auth(staff):
    _, token = ApiToken.issue(staff)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_templates_are_listed_for_the_organization(client, shopfront):
    MessageTemplate.objects.create(organization=make_org(), name="别家", channel="sms", body="x")
    names = [
        t["name"] for t in client.get("/api/message-templates", **_auth(shopfront["admin"])).json()
    ]
    assert sorted(names) == ["春节", "积分通知"]


def test_queue_then_list_masked_and_scoped(client, shopfront):
    auth = _auth(shopfront["manager"])
    body = {"customer_id": shopfront["consenting"].pk, "template_id": shopfront["template"].pk}
    response = client.post("/api/messages", body, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["to"] == "138****0001" and out["status"] in ("queued",)
    # Outside the manager's store: 404, as for a missing customer.
    body["customer_id"] = shopfront["elsewhere"].pk
    assert (
        client.post("/api/messages", body, content_type="application/json", **auth).status_code
        == 404
    )
    stranger = make_customer(make_org(), "X-1", mobile="+8613900000000")
    body["customer_id"] = stranger.pk
    assert (
        client.post("/api/messages", body, content_type="application/json", **auth).status_code
        == 404
    )
    other = MessageTemplate.objects.create(
        organization=stranger.organization, name="别家", channel="sms", body="x"
    )
    body.update(customer_id=shopfront["consenting"].pk, template_id=other.pk)
    assert (
        client.post("/api/messages", body, content_type="application/json", **auth).status_code
        == 404
    )
    listed = client.get("/api/messages", **auth).json()
    assert listed["count"] == 1 and "+86" not in str(listed)
    # A service notice without its values is refused with the reason.
    body["template_id"] = shopfront["service"].pk
    response = client.post("/api/messages", body, content_type="application/json", **auth)
    assert response.status_code == 400 and "{points}" in response.json()["detail"]
    assert Message.objects.count() == 1


def test_roles_without_the_outbox_are_refused(client, demo):
    auth = _auth(demo["consultant1"])
    assert client.get("/api/messages", **auth).status_code == 403
    assert client.get("/api/message-templates", **auth).status_code == 403
    body = {"customer_id": 1, "template_id": 1}
    assert (
        client.post("/api/messages", body, content_type="application/json", **auth).status_code
        == 403
    )
