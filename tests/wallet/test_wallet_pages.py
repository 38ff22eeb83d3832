"""The wallet's pages: the cashier page (top-up with bonus, spend, refund, cards) posts
once per form, keeps what was typed on error, and is scoped (404 for another store's
customer or till); the customer's wallet panel lists every kind with paged entries; the
bonus rules are the admin's to change; no code or English sentence is shown."""

from datetime import timedelta
from decimal import Decimal

import pytest

from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.wallet.gift_cards import issue_card
from revisit.wallet.ledger import open_account, post
from revisit.wallet.models import AccountKind, CardRedemption, Entry, EntryKind
from revisit.wallet.stored_value import set_bonus_rules, top_up
from tests.factories import make_customer, make_staff
from tests.web.test_labels_crawl import TextAndLinks, _problems, crawl

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def till(shop):
    org = shop["org"]
    set_bonus_rules(org, [(D("10000"), D("1000"))], actor=None)
    shop["wang"] = make_customer(
        org, "W-1", name="王芳", mobile="+8613811112222", home_store=shop["store"]
    )
    shop["li"] = make_customer(org, "L-1", name="李娜", home_store=shop["store"])
    shop["far"] = make_customer(org, "F-1", name="远方", home_store=shop["other"])
    shop["manager_b"] = make_staff(org, Role.STORE_MANAGER, store=shop["other"], name="店长乙")
    return shop


def _form(till, customer=None, **data):
    return {
        "store": till["store"].pk,
        "customer": (customer or till["wang"]).pk,
        "key": "k" * 8 + str(len(data)),
        "confirmed": "1",
        **data,
    }


def test_a_top_up_shows_the_bonus_and_the_balance_and_a_double_submit_posts_once(client, till):
    client.force_login(till["manager"])
    data = _form(till, amount="10000", key="abcdefgh12")
    first = client.post("/cashier/top-up/", data, follow=True)
    page = first.content.decode()
    assert first.status_code == 200
    assert "11,000.00" in page and "1,000.00" in page
    again = client.post("/cashier/top-up/", data, follow=True)
    assert "11,000.00" in again.content.decode()
    assert Entry.objects.filter(account__customer=till["wang"], kind=EntryKind.TOPUP).count() == 1
    account = till["wang"].wallet_accounts.get(kind=AccountKind.STORED_VALUE)
    assert account.balance == D("11000")
    spent = client.post(
        "/cashier/spend/",
        _form(till, account=account.pk, amount="2000", key="spend-key-1"),
        follow=True,
    )
    assert "9,000.00" in spent.content.decode()
    account.refresh_from_db()
    assert account.balance == D("9000")


def test_each_movement_is_first_shown_with_the_balance_after_and_posted_on_confirmation(
    client, till
):
    client.force_login(till["manager"])
    data = _form(till, amount="10000", reason="周年庆", key="confirm-key-1")
    del data["confirmed"]
    shown = client.post("/cashier/top-up/", data)
    page = shown.content.decode()
    assert shown.status_code == 200 and 'id="confirm"' in page
    assert "10,000.00" in page and "1,000.00" in page and "11,000.00" in page
    assert 'name="confirmed" value="1"' in page and "confirm-key-1" in page
    parser = TextAndLinks()
    parser.feed(page)
    assert not [p for text in parser.texts for p in _problems(text)]
    assert not Entry.objects.exists()
    posted = client.post("/cashier/top-up/", {**data, "confirmed": "1"}, follow=True)
    assert "11,000.00" in posted.content.decode()
    assert Entry.objects.filter(kind=EntryKind.TOPUP).count() == 1
    account = till["wang"].wallet_accounts.get()
    # A spend beyond the balance is refused already at the confirmation, posting nothing.
    too_much = _form(till, account=account.pk, amount="20000", key="confirm-key-2")
    del too_much["confirmed"]
    refused = client.post("/cashier/spend/", too_much)
    assert refused.status_code == 400 and 'id="confirm"' not in refused.content.decode()
    # A family card's confirmation says its holder cannot use it.
    day = (local_date(till["org"]) + timedelta(days=30)).isoformat()
    card = _form(till, kind="family_card", value="300", expires_on=day, key="confirm-key-3")
    del card["confirmed"]
    assert "不能" in client.post("/cashier/cards/issue/", card).content.decode()
    assert Entry.objects.count() == 2


@pytest.mark.parametrize(
    "amount", ["12.345", "-5", "0", "abc", "1e400", "99999999999", "１２３.４５６", "x" * 40]
)
def test_a_bad_amount_is_refused_with_a_message_and_the_form_keeps_what_was_typed(
    client, till, amount
):
    client.force_login(till["desk"])
    response = client.post(
        "/cashier/top-up/", _form(till, amount=amount, reason="生日充值", key="keep-typed-1")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "生日充值" in page and 'class="errorlist' in page
    assert not Entry.objects.filter(account__customer=till["wang"]).exists()


def test_a_refund_beyond_the_rule_is_refused_and_within_it_posts(client, till):
    done = top_up(till["wang"], D("10000"), actor=till["manager"])
    post(done.account, D("-2000"), kind=EntryKind.SPEND, actor=till["manager"])
    client.force_login(till["manager"])
    refused = client.post(
        "/cashier/refund/", _form(till, entry=done.entry.pk, amount="8500", key="refund-1")
    )
    assert refused.status_code == 400 and "8000" in refused.content.decode()
    ok = client.post(
        "/cashier/refund/",
        _form(till, entry=done.entry.pk, amount="8000", key="refund-2"),
        follow=True,
    )
    assert ok.status_code == 200
    done.account.refresh_from_db()
    assert done.account.balance == 0


def test_a_family_card_is_refused_for_its_holder_and_used_by_a_friend_at_the_till(client, till):
    client.force_login(till["manager"])
    day = (local_date(till["org"]) + timedelta(days=90)).isoformat()
    issued = client.post(
        "/cashier/cards/issue/",
        _form(
            till,
            kind="family_card",
            value="980",
            expires_on=day,
            card_number="QQ-7",
            key="issue-key-1",
        ),
        follow=True,
    )
    assert issued.status_code == 200 and "QQ-7" in issued.content.decode()
    refused = client.post(
        "/cashier/cards/redeem/", _form(till, card_number="QQ-7", key="redeem-key-1")
    )
    assert refused.status_code == 400
    assert "持卡人本人不能使用" in refused.content.decode()
    used = client.post(
        "/cashier/cards/redeem/",
        _form(till, customer=till["li"], card_number="QQ-7", amount="500", key="redeem-key-2"),
        follow=True,
    )
    assert used.status_code == 200 and "480.00" in used.content.decode()
    assert CardRedemption.objects.get().redeemer == till["li"]
    unknown = client.post(
        "/cashier/cards/redeem/", _form(till, card_number="NOPE", key="redeem-key-3")
    )
    assert unknown.status_code == 400


def test_the_till_and_the_wallet_are_404_outside_the_scope(client, till):
    far = till["far"]
    card = issue_card(
        far,
        kind=AccountKind.GIFT_CARD,
        value=D("100"),
        expires_on=local_date(till["org"]) + timedelta(days=30),
        card_number="TY-FAR",
        actor=till["admin"],
    )
    for who in ("manager", "desk"):
        client.force_login(till[who])
        assert client.get("/cashier/", {"store": till["other"].pk}).status_code == 404
        assert client.get("/cashier/", {"customer": far.pk}).status_code == 404
        assert client.get(f"/customers/{far.pk}/wallet/").status_code == 404
        assert client.get(f"/wallet/accounts/{card.pk}/entries/").status_code == 404
        for url in (
            "/cashier/top-up/",
            "/cashier/spend/",
            "/cashier/refund/",
            "/cashier/cards/issue/",
            "/cashier/cards/redeem/",
        ):
            response = client.post(url, _form(till, customer=far, amount="1", key="scope-key-1"))
            assert response.status_code == 404, url
        # A card of another store's customer is not found at this till (no probe).
        response = client.post(
            "/cashier/cards/redeem/", _form(till, card_number="TY-FAR", key="scope-key-2")
        )
        assert response.status_code == 400
        assert "TY-FAR" not in response.content.decode().split("card_number")[0]
    client.force_login(till["manager_b"])
    assert client.get("/cashier/", {"store": till["store"].pk}).status_code == 404
    assert (
        client.get("/cashier/", {"store": till["other"].pk, "customer": far.pk}).status_code == 200
    )
    for who in ("consultant", "caller", "doctor"):
        client.force_login(till[who])
        assert client.get("/cashier/").status_code == 403
        assert client.post("/cashier/top-up/", _form(till, amount="1")).status_code == 403
    assert card.entries.count() == 1


def test_hostile_parameters_answer_a_message(client, till):
    client.force_login(till["manager"])
    for params in ({"store": "x"}, {"customer": "99999999999999999999999"}, {"customer": "-1"}):
        assert client.get("/cashier/", params).status_code in (400, 404)
    assert client.get("/cashier/", {"q": "a" * 500}).status_code == 200
    account = open_account(till["wang"], AccountKind.POINTS, actor=None)
    assert client.get(f"/wallet/accounts/{account.pk}/entries/", {"page": "x"}).status_code == 400
    bad_key = client.post("/cashier/top-up/", _form(till, amount="1", key="<script>"))
    assert bad_key.status_code == 400


def test_the_cashier_finds_by_last_digits_and_masks_phones(client, till):
    client.force_login(till["desk"])
    page = client.get("/cashier/", {"q": "2222"}).content.decode()
    assert "王芳" in page and "138****2222" in page and "13811112222" not in page
    far = client.get("/cashier/", {"q": "F-1"}).content.decode()
    assert "远方" not in far


def test_the_wallet_panel_lists_every_kind_with_paged_entries_in_chinese(client, till):
    wang, actor = till["wang"], till["manager"]
    today = local_date(till["org"])
    points = open_account(wang, AccountKind.POINTS, actor=actor)
    for _ in range(25):
        post(points, 10, kind=EntryKind.EARN, actor=actor)
    course = open_account(
        wang,
        AccountKind.COURSE_CARD,
        actor=actor,
        card_number="K-1",
        expires_on=today + timedelta(days=100),
    )
    post(course, 10, kind=EntryKind.EARN, actor=actor)
    post(course, -1, kind=EntryKind.SPEND, actor=actor)
    credit = open_account(wang, AccountKind.CREDIT, actor=actor)
    post(credit, D("88.50"), kind=EntryKind.EARN, actor=actor)
    top_up(wang, D("10000"), actor=actor)
    card = issue_card(
        wang,
        kind=AccountKind.FAMILY_CARD,
        value=D("300"),
        expires_on=today + timedelta(days=30),
        card_number="QQ-9",
        actor=actor,
    )
    client.force_login(actor)
    panel = client.get(f"/customers/{wang.pk}/wallet/", headers={"HX-Request": "true"})
    html = panel.content.decode()
    assert "<html" not in html
    for label in ("积分", "储值", "美丽金", "疗程卡", "亲情卡"):
        assert label in html, label
    assert "9 次" in html and "250 分" in html and "11,000.00" in html and "QQ-9" in html
    # Entries come a page at a time: 25 earns, 20 on the first page.
    first = client.get(f"/wallet/accounts/{points.pk}/entries/", headers={"HX-Request": "true"})
    second = client.get(
        f"/wallet/accounts/{points.pk}/entries/", {"page": 2}, headers={"HX-Request": "true"}
    )
    assert first.content.decode().count("<tr>") == 21 and second.content.decode().count("<tr>") == 6
    # The customer page loads the panel; every page of the wallet reads in Chinese.
    assert f"/customers/{wang.pk}/wallet/" in client.get(f"/customers/{wang.pk}/").content.decode()
    seen, problems = crawl(
        client,
        [
            f"/customers/{wang.pk}/wallet/",
            f"/wallet/accounts/{card.pk}/entries/",
            f"/cashier/?customer={wang.pk}",
            "/settings/wallet/",
        ],
    )
    assert problems == {}, problems
    assert len(seen) >= 4
    refused = client.post("/cashier/top-up/", _form(till, amount="1.001", key="labels-key-1"))
    parser = TextAndLinks()
    parser.feed(refused.content.decode())
    assert "两位小数" in " ".join(parser.texts)
    assert not [p for text in parser.texts for p in _problems(text)]


def test_the_bonus_rules_are_the_admins_and_read_only_for_a_store_manager(client, till):
    client.force_login(till["manager"])
    page = client.get("/settings/wallet/").content.decode()
    assert 'id="read-only"' in page and "10000" in page
    assert client.post("/settings/wallet/", {}).status_code == 403
    client.force_login(till["admin"])
    data = {
        "rules-TOTAL_FORMS": "3",
        "rules-INITIAL_FORMS": "1",
        "rules-0-threshold": "10000",
        "rules-0-bonus": "1000",
        "rules-1-threshold": "5000",
        "rules-1-bonus": "300",
        "rules-2-threshold": "",
        "rules-2-bonus": "",
    }
    assert client.post("/settings/wallet/", data).status_code == 302
    assert [(r.threshold, r.bonus) for r in till["org"].topup_bonus_rules.all()] == [
        (D("5000"), D("300")),
        (D("10000"), D("1000")),
    ]
    bad = {**data, "rules-1-bonus": "6000"}
    response = client.post("/settings/wallet/", bad)
    assert response.status_code == 200 and "6000" in response.content.decode()
    half = {**data, "rules-2-threshold": "300"}
    assert client.post("/settings/wallet/", half).status_code == 200
    assert till["org"].topup_bonus_rules.count() == 2
    for who in ("consultant", "desk"):
        client.force_login(till[who])
        assert client.get("/settings/wallet/").status_code == 403
