"""A double-clicked top-up sent by ten threads at once posts once, bonus included; twenty
concurrent spends of stored value end with the exact balance (real PostgreSQL locks)."""

from decimal import Decimal

import pytest
from django.db import connection

from revisit.core.models import Role
from revisit.wallet.ledger import InsufficientBalance
from revisit.wallet.models import AccountKind, Entry, EntryKind
from revisit.wallet.stored_value import Movement, TopUp, set_bonus_rules, spend, top_up
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.outreach.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level concurrency: PostgreSQL"
    ),
]


def test_one_key_sent_ten_times_at_once_posts_one_top_up_and_one_bonus():
    org = make_org()
    store = make_store(org)
    cashier = make_staff(org, Role.FRONT_DESK, store=store)
    customer = make_customer(org, home_store=store)
    set_bonus_rules(org, [(Decimal("10000"), Decimal("1000"))], actor=None)

    def send(_n):
        return top_up(customer, Decimal("10000"), actor=cashier, idempotency_key="double-click")

    results = run_together(send, [(n,) for n in range(10)])
    assert all(isinstance(r, TopUp) for r in results), results
    account = customer.wallet_accounts.get(kind=AccountKind.STORED_VALUE)
    assert account.balance == Decimal("11000")
    kinds = list(account.entries.values_list("kind", flat=True))
    assert sorted(kinds) == sorted([EntryKind.TOPUP, EntryKind.EARN])


def test_twenty_concurrent_spends_end_with_the_exact_balance():
    org = make_org()
    store = make_store(org)
    cashier = make_staff(org, Role.STORE_MANAGER, store=store)
    customer = make_customer(org, home_store=store)
    account = top_up(customer, Decimal("1000"), actor=cashier).account

    def charge(n):
        return spend(account, Decimal("150"), actor=cashier, idempotency_key=f"c{n}")

    results = run_together(charge, [(n,) for n in range(20)])
    done = [r for r in results if isinstance(r, Movement)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert len(done) == 6 and len(refused) == 14, results
    account.refresh_from_db()
    assert account.balance == Decimal("100")
    assert Entry.objects.filter(account=account, kind=EntryKind.SPEND).count() == 6
