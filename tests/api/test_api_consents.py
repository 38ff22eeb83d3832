"""Recording marketing consent through the API: scoped, validated, audited, listed."""

import pytest

from revisit.api.models import ApiToken
from revisit.core.models import AuditEvent, Role
from revisit.customers.models import MarketingConsent
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    customer = make_customer(
        org, "C-1", name="王小美", mobile="+8613812345678", owner=consultant, home_store=store
    )
    return org, store, consultant, customer


def bearer(staff) -> dict:
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}"}


def post(client, staff, customer_id, body):
    return client.post(
        f"/api/customers/{customer_id}/consents",
        body,
        content_type="application/json",
        headers=bearer(staff),
    )


def test_a_consent_is_recorded_audited_and_listed_with_the_customer(client, people):
    _, _, consultant, customer = people
    answer = post(client, consultant, customer.pk, {"channel": "wechat", "granted": True})
    assert answer.status_code == 200
    assert answer.json()["source"] == "API" and answer.json()["granted"] is True
    post(client, consultant, customer.pk, {"channel": "sms", "granted": False, "source": "小程序"})
    consent = MarketingConsent.objects.get(customer=customer, channel="sms")
    assert (consent.granted, consent.source) == (False, "小程序")
    event = AuditEvent.objects.filter(action="consent.set").latest("id")
    assert event.actor == consultant and event.data["channel"] == "sms"
    headers = bearer(consultant)
    shown = client.get(f"/api/customers/{customer.pk}", headers=headers).json()["consents"]
    assert [(c["channel"], c["granted"], c["source"]) for c in shown] == [
        ("sms", False, "小程序"),
        ("wechat", True, "API"),
    ]
    listed = client.get("/api/customers", headers=headers).json()["items"]
    assert len(listed[0]["consents"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "fax", "granted": True},
        {"channel": "sms"},
        {"channel": "sms", "granted": True, "source": "x" * 101},
    ],
)
def test_bad_bodies_are_422_and_record_nothing(client, people, body):
    _, _, consultant, customer = people
    assert post(client, consultant, customer.pk, body).status_code == 422
    assert not MarketingConsent.objects.exists()


def test_outside_the_scope_is_404(client, people):
    org, store, _, customer = people
    colleague = make_staff(org, Role.CONSULTANT, store=store)
    stranger = make_staff(make_org(), Role.ADMIN)
    for staff in (colleague, stranger):
        body = {"channel": "sms", "granted": True}
        assert post(client, staff, customer.pk, body).status_code == 404
    assert not MarketingConsent.objects.exists()
