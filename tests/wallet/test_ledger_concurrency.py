"""Fifty cashiers spending one session of a ten-session card at the same moment: exactly
ten succeed and the card ends at zero (real threads, real PostgreSQL row locks)."""

import pytest
from django.db import connection

from revisit.core.models import Role
from revisit.wallet.ledger import InsufficientBalance, open_account, post
from revisit.wallet.models import AccountKind, Entry, EntryKind
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.outreach.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level concurrency: PostgreSQL"
    ),
]


def test_fifty_concurrent_spends_on_one_card_end_with_the_exact_balance():
    org = make_org()
    store = make_store(org)
    cashier = make_staff(org, Role.STORE_MANAGER, store=store)
    card = open_account(make_customer(org), AccountKind.COURSE_CARD, actor=cashier)
    post(card, 10, kind=EntryKind.EARN, actor=cashier)

    def spend(n):
        return post(card, -1, kind=EntryKind.SPEND, actor=cashier, idempotency_key=f"s{n}")

    results = run_together(spend, [(n,) for n in range(50)])
    spent = [r for r in results if isinstance(r, Entry)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert len(spent) == 10 and len(refused) == 40, results
    card.refresh_from_db()
    assert card.balance == 0
    assert sorted(e.balance_after for e in spent) == list(range(10))
