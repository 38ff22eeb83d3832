"""Stored value: 充 N 送 M as its own entry, spend, refunds (a top-up's bonus taken back
first, nothing spent refunded), idempotent keys; gift and family cards."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revisit.core.models import AuditEvent, Role
from revisit.wallet.gift_cards import issue_card, redeem_card
from revisit.wallet.ledger import InsufficientBalance, WalletError, open_account, post
from revisit.wallet.models import AccountKind, CardRedemption, Entry, EntryKind
from revisit.wallet.stored_value import (
    bonus_for,
    refund,
    refundable,
    set_bonus_rules,
    spend,
    top_up,
)
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
def till():
    org = make_org()
    store = make_store(org)
    cashier = make_staff(org, Role.STORE_MANAGER, store=store)
    customer = make_customer(org, name="王芳", home_store=store)
    friend = make_customer(org, name="李娜", home_store=store)
    set_bonus_rules(org, [(D("5000"), D("300")), (D("10000"), D("1000"))], actor=None)
    return org, store, cashier, customer, friend


def _balance_is_the_sum(account):
    account.refresh_from_db()
    assert account.entries.aggregate(s=Sum("amount"))["s"] == account.balance
    return account.balance


def test_the_best_rule_reached_gives_the_bonus_as_its_own_entry(till):
    org, store, cashier, customer, _ = till
    assert bonus_for(org, D("4999.99")) == 0
    assert bonus_for(org, D("5000")) == D("300")
    assert bonus_for(org, D("25000")) == D("1000")  # the best rule, not a sum
    done = top_up(customer, D("10000"), actor=cashier, store=store, now=NOW)
    assert done.balance == D("11000")
    assert done.entry.kind == EntryKind.TOPUP and done.entry.amount == D("10000")
    assert done.bonus.kind == EntryKind.EARN and done.bonus.counterpart_id == done.entry.pk
    assert _balance_is_the_sum(done.account) == D("11000")
    small = top_up(customer, D("100"), actor=cashier, now=NOW)
    assert small.bonus is None and small.balance == D("11100")


def test_a_top_up_key_posts_once_and_cannot_be_reused_for_another_amount(till):
    _, _, cashier, customer, _ = till
    first = top_up(customer, D("10000"), actor=cashier, idempotency_key="k1", now=NOW)
    again = top_up(customer, D("10000"), actor=cashier, idempotency_key="k1", now=NOW)
    assert again.replayed and again.entry == first.entry and again.bonus == first.bonus
    assert Entry.objects.filter(account=first.account).count() == 2
    with pytest.raises(WalletError):
        top_up(customer, D("500"), actor=cashier, idempotency_key="k1", now=NOW)


@pytest.mark.parametrize("amount", [D("0"), D("-5"), D("1.005"), D("1000000.01"), D("NaN")])
def test_bad_amounts_are_refused_and_post_nothing(till, amount):
    _, _, cashier, customer, _ = till
    with pytest.raises(WalletError):
        top_up(customer, amount, actor=cashier, now=NOW)
    assert not Entry.objects.filter(account__customer=customer).exists()


def test_spend_within_the_balance_only(till):
    _, _, cashier, customer, _ = till
    account = top_up(customer, D("10000"), actor=cashier, now=NOW).account
    spent = spend(account, D("2000"), actor=cashier, now=NOW)
    assert spent.balance == D("9000")
    with pytest.raises(InsufficientBalance):
        spend(account, D("9000.01"), actor=cashier, now=NOW)
    assert _balance_is_the_sum(account) == D("9000")
    points = open_account(customer, AccountKind.POINTS, actor=cashier)
    with pytest.raises(WalletError):
        spend(points, D("1"), actor=cashier, now=NOW)


def test_refunding_a_top_up_takes_its_bonus_back_first_and_never_what_was_spent(till):
    _, _, cashier, customer, _ = till
    done = top_up(customer, D("10000"), actor=cashier, now=NOW)
    spend(done.account, D("2000"), actor=cashier, now=NOW)
    # 9000 left: the 1000 bonus goes back first, so 8000 of the 10000 may be refunded.
    assert refundable(done.entry) == D("8000")
    with pytest.raises(WalletError, match="8000"):
        refund(done.entry, D("8000.01"), actor=cashier, now=NOW)
    assert _balance_is_the_sum(done.account) == D("9000")  # the refusal posted nothing
    back = refund(done.entry, D("3000"), actor=cashier, now=NOW)
    assert back.bonus_taken_back.amount == D("-1000")
    assert back.entry.amount == D("-3000") and back.balance == D("5000")
    # The bonus is gone; the rest of the top-up is still refundable up to the balance.
    assert refundable(done.entry) == D("5000")
    rest = refund(done.entry, None, actor=cashier, now=NOW)
    assert rest.bonus_taken_back is None and rest.entry.amount == D("-5000")
    assert _balance_is_the_sum(done.account) == 0
    with pytest.raises(WalletError):
        refund(done.entry, None, actor=cashier, now=NOW)


def test_refunding_a_spend_puts_it_back_once(till):
    _, _, cashier, customer, _ = till
    account = top_up(customer, D("1000"), actor=cashier, now=NOW).account
    spent = spend(account, D("600"), actor=cashier, now=NOW)
    refund(spent.entry, D("200"), actor=cashier, idempotency_key="r1", now=NOW)
    replay = refund(spent.entry, D("200"), actor=cashier, idempotency_key="r1", now=NOW)
    assert replay.replayed
    assert _balance_is_the_sum(account) == D("600")
    with pytest.raises(WalletError):
        refund(spent.entry, D("400.01"), actor=cashier, now=NOW)
    refund(spent.entry, None, actor=cashier, now=NOW)
    assert _balance_is_the_sum(account) == D("1000")
    earn = Entry.objects.filter(account=account, kind=EntryKind.TOPUP).first()
    assert earn is not None
    bonus_like = Entry.objects.filter(account=account, kind=EntryKind.REFUND).first()
    with pytest.raises(WalletError):
        refund(bonus_like, None, actor=cashier, now=NOW)
    course = open_account(customer, AccountKind.COURSE_CARD, actor=cashier, card_number="K1")
    post(course, 10, kind=EntryKind.EARN, actor=cashier)
    session = post(course, -1, kind=EntryKind.SPEND, actor=cashier)
    assert refundable(session) == 0
    with pytest.raises(WalletError):  # sessions are the course-card service's
        refund(session, None, actor=cashier, now=NOW)


def test_bonus_rules_are_checked_and_their_change_audited(till):
    org, *_ = till
    with pytest.raises(WalletError):
        set_bonus_rules(org, [(D("1000"), D("1000"))], actor=None)
    with pytest.raises(WalletError):
        set_bonus_rules(org, [(D("1000"), D("10")), (D("1000.00"), D("20"))], actor=None)
    assert not set_bonus_rules(org, [(D("10000"), D("1000")), (D("5000"), D("300"))], actor=None)
    assert set_bonus_rules(org, [], actor=None)
    assert bonus_for(org, D("10000")) == 0
    assert AuditEvent.objects.filter(organization=org, action="wallet.bonus_rules").count() == 2


def test_a_family_card_is_refused_for_its_holder_and_used_by_a_friend(till):
    _, store, cashier, holder, friend = till
    card = issue_card(
        holder,
        kind=AccountKind.FAMILY_CARD,
        value=D("980"),
        expires_on=date(2026, 6, 30),
        actor=cashier,
        store=store,
        holder_may_redeem=True,  # ignored: a family card is never the holder's to use
        now=NOW,
    )
    assert card.card_number.startswith("QQ") and not card.holder_may_redeem
    with pytest.raises(WalletError, match="持卡人本人不能使用|holder cannot use"):
        redeem_card(card, holder, actor=cashier, now=NOW)
    used = redeem_card(card, friend, D("500"), actor=cashier, idempotency_key="g1", now=NOW)
    assert used.balance == D("480")
    again = redeem_card(card, friend, D("500"), actor=cashier, idempotency_key="g1", now=NOW)
    assert again.replayed and again.entry == used.entry
    redemption = CardRedemption.objects.get(card=card)
    assert redemption.redeemer == friend and redemption.entry == used.entry
    assert AuditEvent.objects.filter(action="wallet.redeem", target_id=str(friend.pk)).exists()
    rest = redeem_card(card, friend, None, actor=cashier, now=NOW)
    assert rest.balance == 0
    with pytest.raises(WalletError):
        redeem_card(card, friend, None, actor=cashier, now=NOW)


def test_a_gift_card_is_used_by_another_person_and_refused_once_expired(till):
    _, _, cashier, holder, friend = till
    card = issue_card(
        holder,
        kind=AccountKind.GIFT_CARD,
        value=D("300"),
        expires_on=date(2026, 3, 31),
        card_number="TY-1",
        actor=cashier,
        now=NOW,
    )
    assert card.holder_may_redeem
    redeem_card(card, friend, D("100"), actor=cashier, now=NOW)
    redeem_card(card, holder, D("100"), actor=cashier, now=NOW)  # a gift card: she may
    later = NOW + timedelta(days=40)
    with pytest.raises(WalletError, match="2026-03-31"):
        redeem_card(card, friend, D("50"), actor=cashier, now=later)
    with pytest.raises(WalletError):  # the number is taken
        issue_card(
            holder,
            kind=AccountKind.GIFT_CARD,
            value=D("1"),
            expires_on=date(2026, 4, 1),
            card_number="TY-1",
            actor=cashier,
            now=NOW,
        )
    with pytest.raises(WalletError):  # already expired
        issue_card(
            holder,
            kind=AccountKind.GIFT_CARD,
            value=D("1"),
            expires_on=date(2026, 3, 1),
            actor=cashier,
            now=NOW,
        )
    other_org = make_customer(make_org(), "X-1")
    with pytest.raises(WalletError):
        redeem_card(card, other_org, D("1"), actor=cashier, now=NOW)


movements = st.lists(
    st.tuples(
        st.sampled_from(["topup", "spend", "refund_topup", "refund_spend"]),
        st.integers(min_value=1, max_value=15000),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=movements)
def test_any_sequence_keeps_the_balance_the_sum_and_refunds_within_the_rules(till, steps):
    _, _, cashier, _, _ = till
    customer = make_customer(till[0])
    topups, spends = [], []
    for what, n in steps:
        amount = D(n)
        try:
            if what == "topup":
                topups.append(top_up(customer, amount, actor=cashier, now=NOW).entry)
            elif what == "spend" and topups:
                spends.append(spend(topups[0].account, amount, actor=cashier, now=NOW).entry)
            elif what == "refund_topup" and topups:
                entry = topups[n % len(topups)]
                most = refundable(entry)
                refund(entry, min(amount, most) if most > 0 else amount, actor=cashier, now=NOW)
            elif what == "refund_spend" and spends:
                entry = spends[n % len(spends)]
                refund(entry, None, actor=cashier, now=NOW)
        except WalletError:
            pass
        if topups:
            account = topups[0].account
            account.refresh_from_db()
            assert account.balance >= 0
            assert account.entries.aggregate(s=Sum("amount"))["s"] == account.balance
    for entry in topups:
        refunded = -sum(
            e.amount for e in Entry.objects.filter(counterpart=entry, kind=EntryKind.REFUND)
        )
        assert 0 <= refunded <= entry.amount
    for entry in spends:
        back = sum(e.amount for e in Entry.objects.filter(counterpart=entry, kind=EntryKind.REFUND))
        assert 0 <= back <= -entry.amount
