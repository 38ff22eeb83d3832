"""The email address and the WeChat recipient id on the card: typed on the card form and
through the API, refused when malformed, masked like numbers for whoever may not reveal
them, shown in full by the audited reveal, masked in the card's history."""

import pytest

from revisit.api.models import ApiToken
from revisit.core.models import AuditEvent
from revisit.customers.models import Customer
from tests.factories import make_order

pytestmark = pytest.mark.django_db

CARD = {"name": "王小美", "gender": "F", "mobile": "139 1234 5678"}


def bearer(staff) -> dict:
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}"}


def _new(client, shop, **values):
    return client.post("/customers/new/", {"home_store": shop["store"].pk, **CARD, **values})


def _edit(client, customer, **changes):
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    data = {**form.initial, **changes}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    return client.post(f"/customers/{customer.pk}/edit/", data)


def test_the_desk_types_an_email_and_it_is_kept_normalized_and_shown_masked(client, shop):
    client.force_login(shop["desk"])
    response = _new(client, shop, email="  Xiaomei.Wang@Example.COM ", wechat_openid="")
    assert response.status_code == 302
    customer = Customer.objects.get(mobile="+8613912345678")
    assert customer.email == "Xiaomei.Wang@example.com"
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "X***@example.com" in page and "Xiaomei.Wang@example.com" not in page


def test_an_edit_changes_the_email_and_the_history_masks_it(client, shop):
    client.force_login(shop["desk"])
    _new(client, shop, email="old@example.com")
    customer = Customer.objects.get(mobile="+8613912345678")
    response = _edit(client, customer, email="new@example.cn", wechat_openid="wmAbc_123-xyz")
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.wechat_openid) == ("new@example.cn", "wmAbc_123-xyz")
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    history = page.split('id="field-history"')[1]
    assert "o***@example.com" in history and "n***@example.cn" in history
    assert "old@example.com" not in page and "new@example.cn" not in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not-an-address"}, "邮箱"),
        ({"email": "a@" + "b" * 300 + ".com"}, "274"),
        ({"email": "x@example.com\x00"}, "空字符"),
        ({"email": "wang@exa mple.com"}, "邮箱"),
        ({"wechat_openid": "openid with spaces"}, "微信"),
        ({"wechat_openid": "o" * 65}, "64"),
    ],
)
def test_hostile_email_and_openid_get_a_chinese_message(client, shop, values, message):
    client.force_login(shop["desk"])
    response = _new(client, shop, **values)
    assert response.status_code == 200
    errors = [str(e) for errs in response.context["form"].errors.values() for e in errs]
    assert errors and any(message in e for e in errors), errors
    assert not Customer.objects.filter(mobile="+8613912345678").exists()


def test_the_audited_reveal_shows_the_full_address(client, shop):
    customer = shop["existing"]
    Customer.objects.filter(pk=customer.pk).update(email="lao@example.com")
    client.force_login(shop["manager"])
    revealed = client.post(f"/customers/{customer.pk}/phone/").content.decode()
    assert 'id="email" hx-swap-oob="true"' in revealed and "lao@example.com" in revealed
    assert AuditEvent.objects.filter(action="phone.reveal", target_id=str(customer.pk)).exists()


def test_a_role_that_may_not_reveal_sees_only_the_masked_address(client, shop):
    customer = shop["existing"]
    Customer.objects.filter(pk=customer.pk).update(email="lao@example.com")
    make_order(customer, "100", practitioner=shop["doctor"])
    client.force_login(shop["doctor"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "l***@example.com" in page and "lao@example.com" not in page
    assert client.post(f"/customers/{customer.pk}/phone/").status_code == 403
    body = client.get(f"/api/customers/{customer.pk}", headers=bearer(shop["doctor"])).json()
    assert body["email_masked"] == "l***@example.com" and "lao@" not in str(body)


def test_the_api_takes_the_email_returns_it_masked_and_reveals_it(client, shop):
    headers = bearer(shop["desk"])
    body = {**CARD, "mobile": "13912340000", "email": "zhao@example.com", "wechat_openid": ""}
    response = client.post("/api/customers", body, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["email_masked"] == "z***@example.com"
    assert created["wechat_openid_recorded"] is False
    customer_id = created["id"]
    edited = client.patch(
        f"/api/customers/{customer_id}",
        {"email": "bad address", "wechat_openid": "oAbCdEf123"},
        content_type="application/json",
        headers=headers,
    )
    assert edited.status_code == 400 and "邮箱" in edited.json()["detail"]
    assert Customer.objects.get(pk=customer_id).wechat_openid == ""  # nothing half-applied
    edited = client.patch(
        f"/api/customers/{customer_id}",
        {"wechat_openid": "oAbCdEf123"},
        content_type="application/json",
        headers=headers,
    )
    assert edited.status_code == 200 and edited.json()["wechat_openid_recorded"] is True
    too_long = client.patch(
        f"/api/customers/{customer_id}",
        {"email": "a" * 300 + "@example.com"},
        content_type="application/json",
        headers=headers,
    )
    assert too_long.status_code == 422
    revealed = client.post(f"/api/customers/{customer_id}/phone", headers=bearer(shop["manager"]))
    assert revealed.json() == {"mobile": "13912340000", "email": "zhao@example.com"}
