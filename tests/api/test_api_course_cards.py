"""Course cards in the API: a customer's cards (sessions left, expiry), using a session
with an idempotency key (a retry uses one), hostile bodies answered 400/422 (never 500),
and 404 outside the scope for every role."""

from datetime import timedelta

import pytest

from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.customers.models import Customer
from revisit.sales.models import Item
from revisit.wallet.course_cards import sell_course_card
from revisit.wallet.models import Account
from tests.api.test_api_cards import bearer
from tests.factories import make_customer, make_org
from tests.wallet.conftest import salon  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _card(customer, item, *, days=100, sessions=3, number=""):
    return sell_course_card(
        customer,
        actor=None,
        sessions=sessions,
        price="2940",
        expires_on=local_date(customer.organization) + timedelta(days=days),
        item=item,
        card_number=number,
    )


def _consume(client, staff, customer, body):
    return client.post(
        f"/api/customers/{customer.pk}/course-cards/consume",
        body,
        content_type="application/json",
        headers=bearer(staff),
    )


def test_list_and_consume_once_per_key(client, salon):  # noqa: F811
    card = _card(salon["wang"], salon["photon"], number="A-1")
    listed = client.get(
        f"/api/customers/{salon['wang'].pk}/course-cards", headers=bearer(salon["desk"])
    )
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["sessions_left"] == 3 and row["item"] == "光子嫩肤" and row["card_number"] == "A-1"
    assert row["expires_on"] == card.expires_on.isoformat() and row["expired"] is False
    assert row["value_per_session"] == "980.00"
    body = {"idempotency_key": "visit-2026-11-27-1", "item_id": salon["photon"].pk}
    first = _consume(client, salon["desk"], salon["wang"], body)
    again = _consume(client, salon["desk"], salon["wang"], body)
    assert first.status_code == again.status_code == 200
    assert first.json()["entry_id"] == again.json()["entry_id"]
    assert again.json()["sessions_left"] == 2
    card.refresh_from_db()
    assert card.balance == 2
    by_card = _consume(
        client, salon["manager"], salon["wang"], {"idempotency_key": "k2", "card_id": card.pk}
    )
    assert by_card.status_code == 200 and by_card.json()["sessions_left"] == 1
    # The same key for another movement is refused.
    other = _card(salon["wang"], salon["photon"], number="A-2")
    reused = _consume(
        client, salon["desk"], salon["wang"], {"idempotency_key": "k2", "card_id": other.pk}
    )
    assert reused.status_code == 400


def test_expired_and_empty_cards_are_refused_with_a_message(client, salon):  # noqa: F811
    card = _card(salon["wang"], salon["photon"], sessions=1)
    Account.objects.filter(pk=card.pk).update(
        expires_on=local_date(salon["org"]) - timedelta(days=1)
    )
    refused = _consume(
        client, salon["desk"], salon["wang"], {"idempotency_key": "e1", "card_id": card.pk}
    )
    assert refused.status_code == 400 and "到期" in refused.json()["detail"]
    by_item = _consume(
        client,
        salon["desk"],
        salon["wang"],
        {"idempotency_key": "e2", "item_id": salon["photon"].pk},
    )
    assert by_item.status_code == 400 and "到期" in by_item.json()["detail"]
    none = _consume(
        client, salon["desk"], salon["li"], {"idempotency_key": "e3", "item_id": salon["photon"].pk}
    )
    assert none.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"idempotency_key": ""},
        {"idempotency_key": "x" * 65, "item_id": 1},
        {"idempotency_key": "有中文", "item_id": 1},
        {"idempotency_key": "ok"},
        {"idempotency_key": "ok", "item_id": -1},
        {"idempotency_key": "ok", "item_id": 2**70},
        {"idempotency_key": "ok", "card_id": "abc"},
        {"idempotency_key": "ok", "item_id": 1, "note": "x" * 5000},
        {"idempotency_key": ["a"], "item_id": 1},
        {"idempotency_key": "ok", "item_id": 999999999},
    ],
)
def test_hostile_bodies_are_refused_without_a_500(client, salon, body):  # noqa: F811
    card = _card(salon["wang"], salon["photon"])
    response = _consume(client, salon["desk"], salon["wang"], body)
    assert response.status_code in (400, 404, 422), response.content
    card.refresh_from_db()
    assert card.balance == 3


def test_malformed_json_and_wrong_encoding(client, salon):  # noqa: F811
    _card(salon["wang"], salon["photon"])
    url = f"/api/customers/{salon['wang'].pk}/course-cards/consume"
    for raw in (b"{", b"\xff\xfe\x00garbage", '{"idempotency_key": "k"}'.encode("utf-16")):
        response = client.post(
            url, raw, content_type="application/json", headers=bearer(salon["desk"])
        )
        assert response.status_code in (400, 422)


def test_roles_that_do_not_use_sessions_are_refused(client, salon):  # noqa: F811
    _card(salon["wang"], salon["photon"])
    response = _consume(
        client,
        salon["consultant"],
        salon["wang"],
        {"idempotency_key": "c", "item_id": salon["photon"].pk},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "username", ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
)
def test_course_card_endpoints_are_404_outside_the_scope_for_every_role(client, demo, username):
    staff = demo[username]
    headers = bearer(staff)
    item = Item.objects.filter(organization=demo["org"]).first()
    stranger_org = make_org()
    strangers = [
        (
            make_customer(stranger_org, "X-9"),
            Item.objects.create(organization=stranger_org, code="X", name="X"),
        ),
        *[
            (c, item)
            for c in Customer.objects.filter(organization=demo["org"]).exclude(
                pk__in=visible_customers(staff).values("pk")
            )[:3]
        ],
    ]
    for customer, its_item in strangers:
        card = _card(customer, its_item, number=f"S-{username}-{customer.pk}")
        url = f"/api/customers/{customer.pk}/course-cards"
        assert client.get(url, headers=headers).status_code == 404
        consume = client.post(
            f"{url}/consume",
            {"idempotency_key": "x", "card_id": card.pk},
            content_type="application/json",
            headers=headers,
        )
        assert consume.status_code == 404
        card.refresh_from_db()
        assert card.balance == 3
    # A visible customer with someone else's card id: not found either.
    inside = visible_customers(staff).first()
    if inside is not None:
        response = client.post(
            f"/api/customers/{inside.pk}/course-cards/consume",
            {"idempotency_key": "y", "card_id": card.pk},
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code in (403, 404)


def test_openapi_documents_the_course_card_endpoints(client, demo):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "get" in paths["/api/customers/{customer_id}/course-cards"]
    assert "post" in paths["/api/customers/{customer_id}/course-cards/consume"]
