"""The wallet's API: accounts and entries of a customer, top-up/spend/refund posting once
per idempotency key, hostile amounts refused with a message, 404 outside the scope."""

from decimal import Decimal

import pytest

from revisit.core.models import Role
from revisit.wallet.ledger import open_account, post
from revisit.wallet.models import AccountKind, Entry, EntryKind
from revisit.wallet.stored_value import set_bonus_rules, top_up
from tests.api.test_api import bearer
from tests.factories import make_customer, make_org, make_staff

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def till(shop):
    org = shop["org"]
    set_bonus_rules(org, [(D("10000"), D("1000"))], actor=None)
    shop["wang"] = make_customer(org, "W-1", name="王芳", home_store=shop["store"])
    shop["far"] = make_customer(org, "F-1", name="远方", home_store=shop["other"])
    shop["manager_b"] = make_staff(org, Role.STORE_MANAGER, store=shop["other"])
    return shop


def _post(client, url, body, staff, key="key-1"):
    headers = bearer(staff)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, body, content_type="application/json", headers=headers)


def test_a_retried_top_up_posts_once_and_answers_the_first_result(client, till):
    url = f"/api/customers/{till['wang'].pk}/wallet/top-ups"
    first = _post(client, url, {"amount": "10000"}, till["manager"])
    assert first.status_code == 201, first.content
    body = first.json()
    assert D(body["balance"]) == D("11000") and D(body["bonus"]["amount"]) == D("1000")
    again = _post(client, url, {"amount": "10000"}, till["manager"])
    assert again.status_code == 200 and again.json()["entry"]["id"] == body["entry"]["id"]
    assert again.json()["replayed"] is True
    assert Entry.objects.filter(account__customer=till["wang"]).count() == 2
    # The key in the body works the same; another amount under a used key is refused.
    by_field = _post(
        client, url, {"amount": "100", "idempotency_key": "field-1"}, till["manager"], key=None
    )
    assert by_field.status_code == 201
    reused = _post(client, url, {"amount": "200"}, till["manager"])
    assert reused.status_code == 400
    # Keys are per staff member: the same text from another person is another request.
    other = _post(client, url, {"amount": "100"}, till["desk"])
    assert other.status_code == 201


def test_spend_and_refund_post_once_and_the_lists_show_them(client, till):
    done = top_up(till["wang"], D("10000"), actor=till["manager"])
    account = done.account
    spend_url = f"/api/wallet/accounts/{account.pk}/spends"
    spent = _post(client, spend_url, {"amount": 2000.5}, till["manager"], key="s-1")
    assert spent.status_code == 201 and D(spent.json()["balance"]) == D("8999.50")
    assert (
        _post(client, spend_url, {"amount": 2000.5}, till["manager"], key="s-1").status_code == 200
    )
    too_much = _post(client, spend_url, {"amount": "9000"}, till["manager"], key="s-2")
    assert too_much.status_code == 400 and too_much.json()["detail"]
    refund_url = f"/api/wallet/entries/{done.entry.pk}/refunds"
    refused = _post(client, refund_url, {"amount": "8000"}, till["manager"], key="r-1")
    assert refused.status_code == 400 and "7999.50" in refused.json()["detail"]
    ok = _post(client, refund_url, {}, till["manager"], key="r-2")
    assert ok.status_code == 201, ok.content
    assert D(ok.json()["bonus_taken_back"]["amount"]) == D("-1000")
    assert D(ok.json()["balance"]) == 0
    assert _post(client, refund_url, {}, till["manager"], key="r-2").status_code == 200
    headers = bearer(till["caller"])
    listed = client.get(f"/api/customers/{till['wang'].pk}/wallet", headers=bearer(till["manager"]))
    assert [a["kind"] for a in listed.json()] == ["stored_value"]
    assert listed.json()[0]["kind_label"]
    entries = client.get(
        f"/api/wallet/accounts/{account.pk}/entries", headers=bearer(till["manager"])
    ).json()
    assert entries["count"] == 5
    assert sum(D(e["amount"]) for e in entries["items"]) == 0
    assert (
        client.get(f"/api/customers/{till['wang'].pk}/wallet", headers=headers).status_code == 404
    )


@pytest.mark.parametrize(
    "amount",
    [
        "abc",
        -5,
        0,
        "1.001",
        1.005,
        "1e400",
        10**20,
        "NaN",
        "Infinity",
        None,
        [],
        {"a": 1},
        "1000000.01",
    ],
)
def test_hostile_amounts_are_refused_with_a_message_and_post_nothing(client, till, amount):
    url = f"/api/customers/{till['wang'].pk}/wallet/top-ups"
    response = _post(client, url, {"amount": amount}, till["manager"], key="h-1")
    assert response.status_code in (400, 422), (amount, response.status_code)
    assert response.json()["detail"]
    assert not Entry.objects.filter(account__customer=till["wang"]).exists()


def test_a_write_needs_a_sound_key(client, till):
    url = f"/api/customers/{till['wang'].pk}/wallet/top-ups"
    missing = _post(client, url, {"amount": "10"}, till["manager"], key=None)
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()["detail"]
    for bad in ("x" * 65, "含中文", "with space"):
        response = client.post(
            url,
            {"amount": "10", "idempotency_key": bad},
            content_type="application/json",
            headers=bearer(till["manager"]),
        )
        assert response.status_code in (400, 422), bad
    assert client.post(
        url, "not json", content_type="application/json", headers=bearer(till["manager"])
    ).status_code in (400, 422)
    assert not Entry.objects.exists()


def test_outside_the_scope_is_404_and_roles_without_the_till_403(client, till):
    far = till["far"]
    account = open_account(far, AccountKind.STORED_VALUE, actor=None)
    entry = post(account, D("100"), kind=EntryKind.TOPUP, actor=None)
    stranger = make_customer(make_org(), "X-1")
    for who in ("manager", "desk"):
        headers = bearer(till[who])
        for customer in (far, stranger):
            assert (
                client.get(f"/api/customers/{customer.pk}/wallet", headers=headers).status_code
                == 404
            )
            top = _post(
                client, f"/api/customers/{customer.pk}/wallet/top-ups", {"amount": "1"}, till[who]
            )
            assert top.status_code == 404
        assert (
            client.get(f"/api/wallet/accounts/{account.pk}/entries", headers=headers).status_code
            == 404
        )
        assert (
            _post(
                client, f"/api/wallet/accounts/{account.pk}/spends", {"amount": "1"}, till[who]
            ).status_code
            == 404
        )
        assert (
            _post(client, f"/api/wallet/entries/{entry.pk}/refunds", {}, till[who]).status_code
            == 404
        )
    wang = till["wang"]
    other_store = _post(
        client,
        f"/api/customers/{wang.pk}/wallet/top-ups",
        {"amount": "1", "store_id": till["other"].pk},
        till["manager"],
    )
    assert other_store.status_code == 404
    for who in ("consultant", "caller", "doctor"):
        response = _post(
            client, f"/api/customers/{wang.pk}/wallet/top-ups", {"amount": "1"}, till[who]
        )
        assert response.status_code == 403
    assert (
        _post(
            client, f"/api/wallet/accounts/{account.pk}/spends", {"amount": "1"}, till["manager_b"]
        ).status_code
        == 201
    )
    assert account.entries.count() == 2
