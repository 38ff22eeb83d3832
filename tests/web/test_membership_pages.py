"""The membership block on the customer page, its actions and the membership API:
scoped like the customer, refused for roles without the card, hostile input answered
with a message."""

from datetime import date

import pytest

from revisit.api.models import ApiToken
from revisit.core.models import AuditEvent, Role
from revisit.wallet.models import Account, AccountKind
from revisit.wallet.points import points_settings, post_order_points
from revisit.wallet.points_models import MembershipCard
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    org = make_org("shop")
    store, other_store = make_store(org, "S1"), make_store(org, "S2")
    settings = points_settings(org)
    settings.enabled = True
    settings.save()
    member = make_customer(org, "K1", home_store=store)
    make_order(member, "1500", on=date(2024, 6, 1))
    stranger = make_customer(org, "K2", home_store=other_store)
    make_order(stranger, "100", on=date(2024, 6, 1))
    post_order_points(org)
    return {
        "org": org,
        "member": member,
        "stranger": stranger,
        "manager": make_staff(org, Role.STORE_MANAGER, store=store),
        "doctor": make_staff(org, Role.PRACTITIONER, store=store),
    }


def bearer(staff) -> dict:
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}"}


def test_the_api_gives_the_card_history_and_points_and_404_outside(client, shop):
    headers = bearer(shop["manager"])
    body = client.get(f"/api/customers/{shop['member'].pk}/membership", headers=headers).json()
    assert body["status"] == "formal" and body["points"] == 1500
    assert body["card_number"] == f"M{shop['member'].pk:08d}"
    assert [h["to_status"] for h in body["history"]] == ["formal", "temporary"]
    assert body["cashback_points"] == 1000 and body["cashback_yuan"] == "10.00"
    outside = client.get(f"/api/customers/{shop['stranger'].pk}/membership", headers=headers)
    assert outside.status_code == 404
    assert client.get("/api/customers/99999999999/membership", headers=headers).status_code in {
        404,
        422,
    }


def test_the_page_shows_the_block_and_the_actions_answer_bad_input(client, shop):
    client.force_login(shop["manager"])
    member = shop["member"]
    page = client.get(f"/customers/{member.pk}/", headers={"accept-language": "zh-hans"})
    html = page.content.decode()
    assert 'id="membership"' in html and "正式会员" in html and "1500" in html
    for data in ({"how": "teleport"}, {"how": "mailed"}, {"how": "mailed", "address": "x" * 500}):
        response = client.post(f"/customers/{member.pk}/membership/handover/", data, follow=True)
        assert response.status_code == 200
        assert MembershipCard.objects.get(customer=member).handover == ""
    client.post(f"/customers/{member.pk}/membership/cashback/")
    assert Account.objects.get(customer=member, kind=AccountKind.POINTS).balance == 500
    again = client.post(f"/customers/{member.pk}/membership/cashback/", follow=True)
    assert "积分尚不足以返现" in again.content.decode()


def test_a_practitioner_may_not_cash_back(client, shop):
    client.force_login(shop["doctor"])
    member = shop["member"]
    # A practitioner sees the customers she served: give her the member's order line.
    order_line = member.order_lines.first()
    order_line.practitioner = shop["doctor"]
    order_line.save()
    response = client.post(f"/customers/{member.pk}/membership/cashback/")
    assert response.status_code in {403, 404}
    assert Account.objects.get(customer=member, kind=AccountKind.POINTS).balance == 1500


def test_the_manager_suspends_and_reinstates_the_card_with_a_reason(client, shop):
    member = shop["member"]
    url = f"/customers/{member.pk}/membership/status/"
    client.force_login(shop["manager"])
    page = client.get(f"/customers/{member.pk}/", headers={"accept-language": "zh-hans"})
    assert 'id="membership-status-form"' in page.content.decode()
    for data in (
        {"status": "suspended"},  # no reason
        {"status": "suspended", "reason": "x" * 201},
        {"status": "vanished", "reason": "试探"},
        {"status": "formal", "reason": "已是正式会员"},  # not a move from formal
    ):
        response = client.post(url, data, follow=True, headers={"accept-language": "zh-hans"})
        assert response.status_code == 200
        assert MembershipCard.objects.get(customer=member).status == "formal", data
        assert 'class="error"' in response.content.decode() or "error" in str(
            [m.tags for m in response.context["messages"]]
        )
    client.post(url, {"status": "suspended", "reason": "客户要求暂停"})
    card = MembershipCard.objects.get(customer=member)
    assert card.status == "suspended"
    assert card.changes.order_by("-pk").first().reason == "客户要求暂停"
    assert AuditEvent.objects.filter(action="membership.status", target_id=str(member.pk)).exists()
    client.post(url, {"status": "formal", "reason": "恢复"})
    assert MembershipCard.objects.get(customer=member).status == "formal"


def test_a_consultant_sees_no_status_control_and_is_refused(client, shop):
    member = shop["member"]
    consultant = make_staff(shop["org"], Role.CONSULTANT, store=member.home_store)
    member.owner = consultant
    member.save()
    client.force_login(consultant)
    page = client.get(f"/customers/{member.pk}/")
    assert page.status_code == 200
    assert 'id="membership-status-form"' not in page.content.decode()
    response = client.post(
        f"/customers/{member.pk}/membership/status/", {"status": "cancelled", "reason": "x"}
    )
    assert response.status_code == 403
    assert MembershipCard.objects.get(customer=member).status == "formal"
