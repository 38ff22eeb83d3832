"""The points run's idempotency probes go through the unique (organization, key) index.

SQLite uses a partial index only for a query that repeats its condition word for word;
with `idempotency_key <> ''` instead of the index's `NOT (idempotency_key = '')` it
walked every entry of the organization once per order line, and a second points run over
100,000 lines did not finish in 8 minutes (bench/points_import.py). The plans are read
from the database itself, for the statements the run really executed."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.wallet.points import points_settings, post_order_points
from tests.factories import make_customer, make_order, make_org

pytestmark = pytest.mark.django_db
NOW = datetime(2024, 6, 10, 4, 0, tzinfo=UTC)
INDEX = "wallet_entry_idempotency_key"


def plan(sql: str) -> str:
    """The plan of an executed statement; the batch's table of keys (a temporary table,
    gone after the run) is made again, empty, for the plan."""
    with connection.cursor() as cursor:
        batch = "revisit_batch_keys" in sql
        if batch:
            cursor.execute('CREATE TEMP TABLE revisit_batch_keys ("key" text)')
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        found = " | ".join(str(row[-1]) for row in cursor.fetchall())
        if batch:
            cursor.execute("DROP TABLE revisit_batch_keys")
        return found


def test_a_points_run_probes_the_posted_keys_through_their_index():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's partial-index rule; PostgreSQL proves the implication itself")
    org = make_org("keys")
    settings = points_settings(org)
    settings.enabled = True
    settings.save()
    for n in range(3):
        make_order(make_customer(org, f"K{n}"), "100", on=date(2024, 5, 1 + n))
    post_order_points(org, now=NOW)  # the second run finds every line posted
    make_order(make_customer(org, "K9"), "50", on=date(2024, 5, 9))
    with CaptureQueriesContext(connection) as queries:
        assert post_order_points(org, now=NOW) == 1
    probes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and "idempotency_key" in q["sql"]
    ]
    assert len(probes) >= 2  # the lines not yet posted, and the batch's own keys
    for sql in probes:
        assert INDEX in plan(sql), sql
