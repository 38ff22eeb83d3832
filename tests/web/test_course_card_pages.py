"""Course-card pages: the block on the customer page, selling, using a session, the
transfer form (scoped search, reason required), the call list page; 404 outside the
scope for every role; no code or English on the pages."""

from datetime import timedelta

import pytest

from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.core.models import AuditEvent
from revisit.customers.models import Customer
from revisit.outreach.models import ScheduledContact
from revisit.sales.models import Item
from revisit.wallet.course_cards import sell_course_card
from revisit.wallet.models import Account
from tests.factories import make_customer, make_org
from tests.wallet.conftest import salon  # noqa: F401 (fixture)
from tests.web.test_labels_crawl import ROLE_USERS, crawl

pytestmark = pytest.mark.django_db


def _card(org_admin, customer, item, *, days=100, sessions=5, number=""):
    return sell_course_card(
        customer,
        actor=org_admin,
        sessions=sessions,
        price="2500",
        expires_on=local_date(customer.organization) + timedelta(days=days),
        item=item,
        card_number=number,
    )


def test_the_customer_page_shows_sessions_and_expiry(client, salon):  # noqa: F811
    card = _card(salon["admin"], salon["wang"], salon["photon"], number="C-7")
    client.force_login(salon["manager"])
    page = client.get(f"/customers/{salon['wang'].pk}/").content.decode()
    block = page.split('id="course-cards"')[1].split("</div>")[0]
    assert "光子嫩肤 剩 5 次" in block and card.expires_on.isoformat() in block
    assert f'href="/course-cards/{card.pk}/"' in block and 'id="sell-course-card"' in block


def test_selling_on_the_page_and_its_refusals(client, salon):  # noqa: F811
    client.force_login(salon["desk"])
    url = f"/customers/{salon['wang'].pk}/course-cards/sell/"
    assert client.get(url).status_code == 200
    expires = (local_date(salon["org"]) + timedelta(days=180)).isoformat()
    good = {
        "item": salon["photon"].pk,
        "sessions": "10",
        "price": "6800",
        "expires_on": expires,
        "card_number": "M-1",
        "store": salon["store"].pk,
    }
    response = client.post(url, good)
    card = Account.objects.get(card_number="M-1")
    assert response.status_code == 302 and response["Location"] == f"/course-cards/{card.pk}/"
    assert card.balance == 10 and str(card.unit_value) == "680.00"
    for bad in (
        {"sessions": "0"},
        {"sessions": "１０" * 50},
        {"price": "-5"},
        {"price": "9" * 40},
        {"expires_on": "2026-13-45"},
        {"expires_on": "1900-01-01"},
        {"item": "999999999", "item_category": ""},
        {"item": "", "item_category": ""},
        {"card_number": "M-1"},  # taken
        {"store": salon["other_store"].pk},  # not hers
        {"card_number": "x" * 5000},
    ):
        response = client.post(url, {**good, **bad})
        assert response.status_code == 200, bad
        assert 'class="errorlist' in response.content.decode(), bad
    assert Account.objects.filter(kind="course_card").count() == 1
    client.force_login(salon["doctor"])  # a practitioner does not sell
    assert client.get(url).status_code in (403, 404)


def test_using_a_session_on_the_card_page_and_an_expired_card(client, salon):  # noqa: F811
    card = _card(salon["admin"], salon["wang"], salon["photon"])
    client.force_login(salon["desk"])
    page = client.get(f"/course-cards/{card.pk}/").content.decode()
    assert 'id="consume-session"' in page
    response = client.post(f"/course-cards/{card.pk}/consume/", {"note": "前台划卡"}, follow=True)
    assert "已划卡一次" in response.content.decode()
    card.refresh_from_db()
    assert card.balance == 4
    client.post(f"/course-cards/{card.pk}/consume/", {"note": "x" * 5000})
    card.refresh_from_db()
    assert card.balance == 4
    Account.objects.filter(pk=card.pk).update(
        expires_on=local_date(salon["org"]) - timedelta(days=1)
    )
    response = client.post(f"/course-cards/{card.pk}/consume/", follow=True)
    assert "已于" in response.content.decode() and "到期" in response.content.decode()
    card.refresh_from_db()
    assert card.balance == 4
    client.force_login(salon["consultant"])  # sees her, may not use a session
    assert client.post(f"/course-cards/{card.pk}/consume/").status_code == 404


def test_transfer_form_searches_in_scope_requires_a_reason_and_both_histories_show_it(
    client,
    salon,  # noqa: F811
):
    card = _card(salon["admin"], salon["wang"], salon["photon"], number="T-1")
    client.force_login(salon["manager"])
    url = f"/course-cards/{card.pk}/transfer/"
    assert client.get(url).status_code == 200
    no_reason = client.post(url, {"customer": "K2", "sessions": "2", "reason": " "})
    assert no_reason.status_code == 200 and 'class="errorlist' in no_reason.content.decode()
    # K3 is at the other store: outside the manager's scope, as if she did not exist.
    outside = client.post(url, {"customer": "K3", "sessions": "2", "reason": "转店"})
    assert "没有匹配的顾客" in outside.content.decode()
    too_many = client.post(url, {"customer": "K2", "sessions": "9", "reason": "转让"})
    assert "只剩 5 次" in too_many.content.decode()
    done = client.post(url, {"customer": "K2", "sessions": "2", "reason": "美容院转让客户协议"})
    assert done.status_code == 302
    card.refresh_from_db()
    new_card = Account.objects.get(customer=salon["li"], kind="course_card")
    assert (card.balance, new_card.balance) == (3, 2)
    assert AuditEvent.objects.filter(action="course_card.transfer").count() == 1
    mine = client.get(f"/course-cards/{card.pk}/").content.decode()
    theirs = client.get(f"/course-cards/{new_card.pk}/").content.decode()
    assert "转给" in mine and "李女士" in mine and "美容院转让客户协议" in mine
    assert "来自" in theirs and "王女士" in theirs
    client.force_login(salon["desk"])  # the desk may not transfer
    assert client.get(url).status_code == 404


def test_the_call_list_page_sets_the_days_and_puts_them_on_the_lists(client, salon):  # noqa: F811
    _card(salon["admin"], salon["wang"], salon["photon"], days=20)
    client.force_login(salon["manager"])
    page = client.get("/course-cards/calls/")
    assert page.status_code == 200 and 'id="course-calls-form"' not in page.content.decode()
    assert client.post("/course-cards/calls/", {"expiry_days": "30"}).status_code == 404
    client.force_login(salon["admin"])
    bad = client.post(
        "/course-cards/calls/", {"expiry_days": "0", "unused_days": "90", "script": "{nope}"}
    )
    assert bad.status_code == 200 and 'class="errorlist' in bad.content.decode()
    response = client.post(
        "/course-cards/calls/",
        {
            "expiry_days": "30",
            "unused_days": "90",
            "script": "您还有{expiring_item}{sessions_left}次",
        },
        follow=True,
    )
    assert "今日疗程卡回访 1 位顾客" in response.content.decode()
    assert ScheduledContact.objects.filter(customer=salon["wang"], reason="course_card").exists()
    assert "光子嫩肤 剩 5 次" in response.content.decode()
    client.force_login(salon["consultant"])
    assert client.get("/course-cards/calls/").status_code == 403


@pytest.mark.parametrize("username", ROLE_USERS)
def test_course_card_pages_are_404_outside_the_scope_for_every_role(client, demo, username):
    staff = demo[username]
    client.force_login(staff)
    org = demo["org"]
    item = Item.objects.filter(organization=org).first()
    outside = list(
        Customer.objects.filter(organization=org).exclude(
            pk__in=visible_customers(staff).values("pk")
        )[:2]
    )
    stranger_org = make_org()
    stranger_item = Item.objects.create(organization=stranger_org, code="X", name="别家项目")
    outside.append(make_customer(stranger_org, "X-1", name="别家客户"))
    for n, customer in enumerate(outside):
        card = _card(
            demo["admin"] if customer.organization_id == org.pk else None,
            customer,
            item if customer.organization_id == org.pk else stranger_item,
            number=f"OUT-{username}-{n}",
        )
        assert client.get(f"/customers/{customer.pk}/course-cards/sell/").status_code in (403, 404)
        assert client.post(f"/customers/{customer.pk}/course-cards/sell/", {}).status_code in (
            403,
            404,
        )
        assert client.get(f"/course-cards/{card.pk}/").status_code == 404
        assert client.post(f"/course-cards/{card.pk}/consume/").status_code == 404
        assert client.get(f"/course-cards/{card.pk}/transfer/").status_code == 404
        assert client.post(f"/course-cards/{card.pk}/transfer/", {}).status_code == 404
        card.refresh_from_db()
        assert card.balance == 5
    assert client.get("/course-cards/999999999/").status_code == 404


def test_course_card_pages_show_no_code_or_english(client, demo):
    org = demo["org"]
    customer = Customer.objects.filter(organization=org).first()
    item = Item.objects.filter(organization=org).first()
    card = _card(demo["admin"], customer, item, days=10)
    _card(demo["admin"], customer, item, days=0)
    client.force_login(demo["admin"])
    client.post(f"/course-cards/{card.pk}/consume/")
    client.post(f"/course-cards/{card.pk}/transfer/", {"customer": "", "sessions": "1"})
    start = [
        f"/customers/{customer.pk}/",
        f"/course-cards/{card.pk}/",
        f"/course-cards/{card.pk}/transfer/",
        f"/customers/{customer.pk}/course-cards/sell/",
        "/course-cards/calls/",
    ]
    seen, problems = crawl(client, start)
    assert set(start) <= seen
    assert problems == {}, problems
