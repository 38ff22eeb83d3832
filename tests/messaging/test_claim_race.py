"""Threads racing to claim the same due messages on PostgreSQL (row locks under READ
COMMITTED): each message is claimed, and sent, by exactly one of them."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from revisit.customers.consents import set_consent
from revisit.customers.models import Customer
from revisit.messaging.models import Message
from revisit.messaging.outbox import claim_due, send_due
from revisit.messaging.services import queue_many
from tests.messaging.conftest import DAYTIME, sent_lines

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency"),
]
THREADS = 6
CUSTOMERS = 120


def _many(shopfront):
    org = shopfront["org"]
    customers = Customer.objects.bulk_create(
        Customer(organization=org, code=f"R{n}", name=f"顾客{n}", mobile=f"+86139{n:08d}")
        for n in range(CUSTOMERS)
    )
    for customer in customers:
        set_consent(customer, actor=None, channel="sms", granted=True, source="到店签字")
    batch = queue_many(
        Customer.objects.filter(code__startswith="R"),
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    assert batch.queued == CUSTOMERS


def _race(target):
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_racing_claims_take_each_message_once(shopfront):
    _many(shopfront)
    claims = _race(lambda: [m.pk for m in claim_due(now=DAYTIME, limit=CUSTOMERS)[1]])
    taken = Counter(pk for claimed in claims for pk in claimed)
    assert len(taken) == CUSTOMERS and set(taken.values()) == {1}


def test_racing_ticks_send_each_message_once(shopfront):
    _many(shopfront)
    results = _race(lambda: send_due(now=DAYTIME))
    assert sum(r.get("sent", 0) for r in results) == CUSTOMERS
    lines = sent_lines(shopfront["dir"])
    assert len(lines) == CUSTOMERS
    assert Message.objects.filter(status="sent").count() == CUSTOMERS
