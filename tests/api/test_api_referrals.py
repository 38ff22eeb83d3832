"""The referral API: register, arrive (the attribution decided once), read; scoped like
the pages (404 outside), phones masked, bad input answered 400/422 with a message."""

import pytest

from revisit.core.models import Store
from revisit.customers.models import Customer
from revisit.referrals.leads import register_lead
from tests.api.test_api import bearer
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


def _post(client, url, body, staff):
    return client.post(url, body, content_type="application/json", headers=bearer(staff))


def test_register_arrive_and_read(client, demo):
    sh01 = Store.objects.get(organization=demo["org"], code="SH01")
    referrer = Customer.objects.filter(organization=demo["org"], home_store=sh01).first()
    body = {"referrer_id": referrer.pk, "name": "接口新客", "mobile": "13966665555", "intention": 1}
    created = _post(client, "/api/referrals", body, demo["desk1"])
    assert created.status_code == 201, created.content
    lead = created.json()
    assert lead["mobile"] == "139****5555" and lead["rule"] == ""
    again = _post(client, "/api/referrals", body, demo["desk1"])
    assert again.status_code == 400 and "最先建档" in again.json()["detail"]
    arrived = _post(
        client, f"/api/referrals/{lead['id']}/arrival", {"came_in_group": True}, demo["desk1"]
    )
    assert arrived.status_code == 200
    assert (arrived.json()["attribution"], arrived.json()["rule"]) == ("walk_in", "case_3")
    locked = _post(client, f"/api/referrals/{lead['id']}/arrival", {}, demo["desk1"])
    assert locked.status_code == 400 and "已确定" in locked.json()["detail"]
    listed = client.get("/api/referrals?arrived=true&limit=200", headers=bearer(demo["manager1"]))
    assert lead["id"] in [row["id"] for row in listed.json()["items"]]


def test_outside_the_scope_is_404_and_bad_input_is_refused(client, demo):
    other = make_org()
    store = make_store(other)
    foreign = register_lead(
        make_customer(other, home_store=store),
        actor=make_staff(other, "admin"),
        store=store,
        name="别家",
    )
    sz01 = Store.objects.get(organization=demo["org"], code="SZ01")
    hidden = Customer.objects.filter(organization=demo["org"], home_store=sz01).first()
    staff = demo["manager1"]  # SH01
    assert client.get(f"/api/referrals/{foreign.pk}", headers=bearer(staff)).status_code == 404
    assert _post(client, f"/api/referrals/{foreign.pk}/arrival", {}, staff).status_code == 404
    assert (
        _post(client, "/api/referrals", {"referrer_id": hidden.pk, "name": "x"}, staff).status_code
        == 404
    )
    sh01 = Store.objects.get(organization=demo["org"], code="SH01")
    referrer = Customer.objects.filter(organization=demo["org"], home_store=sh01).first()
    bad = [
        {"referrer_id": referrer.pk, "name": ""},
        {"referrer_id": referrer.pk, "name": "名" * 500},
        {"referrer_id": referrer.pk, "name": "x", "intention": 9},
        {"referrer_id": 10**30, "name": "x"},
        {"referrer_id": referrer.pk, "name": "x", "mobile": "1" * 10_000},
    ]
    for body in bad:
        assert _post(client, "/api/referrals", body, staff).status_code in (400, 422), body
    wrong_phone = _post(
        client,
        "/api/referrals",
        {"referrer_id": referrer.pk, "name": "x", "mobile": "123", "intention": 1},
        staff,
    )
    assert wrong_phone.status_code == 400 and "电话号码" in wrong_phone.json()["detail"]
    other_store = _post(
        client,
        "/api/referrals",
        {"referrer_id": referrer.pk, "name": "x", "store_id": sz01.pk},
        staff,
    )
    assert other_store.status_code == 400
    # A role that reads but does not register (the region supervisor) is refused.
    visible = _post(
        client, "/api/referrals", {"referrer_id": referrer.pk, "name": "x"}, demo["supervisor"]
    )
    assert visible.status_code == 403
