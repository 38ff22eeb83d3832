"""The journeys API: the journeys with their actions, and a day's planned touches with
the held-back messages counted by reason; readers only, each seeing her own customers;
bad dates answered 422 in Chinese; nothing is sent or recorded by a preview."""

import pytest

from revisit.api.models import ApiToken
from revisit.journeys.models import JourneyFiring
from revisit.messaging.models import Message
from tests.factories import Role, make_customer, make_org, make_staff, make_store


def _headers(staff):
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}


def test_the_journeys_come_with_their_actions(client, shop):
    body = client.get("/api/journeys", headers=_headers(shop.admin)).json()
    spring = next(j for j in body if j["holiday"] == "spring")
    assert spring["is_active"] and "春节" in spring["when"]
    kinds = {(a["tier"], a["kind"]) for a in spring["actions"]}
    assert ("A", "store_task") in kinds and ("A", "call") in kinds
    assert all(a["label"] for a in spring["actions"])


def test_the_preview_counts_held_messages_and_sends_nothing(client, shop):
    body = client.get(
        "/api/journeys/preview", {"date": "2026-02-17"}, headers=_headers(shop.admin)
    ).json()
    assert body["date"] == "2026-02-17"
    assert body["total"] == len(body["touches"]) > 0
    held = {h["reason"]: h["count"] for h in body["held"]}
    assert held.get("无收件地址") == 6  # the points email: no card has an address
    assert body["messages"] == body["to_send"] + sum(held.values())
    assert {t["code"] for t in body["touches"]} >= {"SVIP", "A", "B", "C"}
    assert not JourneyFiring.objects.exists() and not Message.objects.exists()


def test_a_store_manager_sees_only_her_customers_and_others_are_refused(client, shop):
    other_store = make_store(shop.org, "S2")
    make_customer(shop.org, "ELSEWHERE", name="钱", mobile="+8613700000001", home_store=other_store)
    manager = make_staff(shop.org, Role.STORE_MANAGER, store=other_store)
    body = client.get(
        "/api/journeys/preview", {"date": "2027-01-01"}, headers=_headers(manager)
    ).json()
    assert {t["code"] for t in body["touches"]} == {"ELSEWHERE"}
    for role in (Role.CONSULTANT, Role.CALLER, Role.FRONT_DESK, Role.PRACTITIONER):
        staff = make_staff(shop.org, role, store=shop.store)
        for url in ("/api/journeys", "/api/journeys/preview"):
            assert client.get(url, headers=_headers(staff)).status_code == 403, (role, url)
    stranger = make_staff(make_org(), Role.ADMIN)
    assert all(
        t["code"] not in {"SVIP", "A"}
        for t in client.get(
            "/api/journeys/preview", {"date": "2026-02-17"}, headers=_headers(stranger)
        ).json()["touches"]
    )


@pytest.mark.parametrize("value", ["x" * 5000, "2026-02-30", "0001-01-01", "'--", "９９"])
def test_a_bad_date_is_a_chinese_422(client, shop, value):
    response = client.get("/api/journeys/preview", {"date": value}, headers=_headers(shop.admin))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "date" and any("\u4e00" <= c <= "\u9fff" for c in error["msg"])
