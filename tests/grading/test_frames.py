"""How an inventory reads and writes at scale: Arrow reads of committed rows, tier moves
in a constant number of statements, and tier updates that touch no index."""

from datetime import date
from unittest import mock

import polars as pl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from revisit.grading import frames
from revisit.grading.models import TierChange
from revisit.grading.services import run_inventory
from tests.factories import make_customer, make_order, make_org, make_store

AS_OF = date(2024, 6, 30)
AMOUNTS = ["0.10", "-12.35", "99999999.99", "15000"]


def _shop(customers: int = 3):
    org, other = make_org(), make_org()
    store = make_store(org)
    people = [make_customer(org, f"c{i}", home_store=store) for i in range(customers)]
    for i, person in enumerate(people):
        for k, amount in enumerate(AMOUNTS):
            make_order(person, amount, on=date(2024, 1 + k, 1 + i % 28))
    make_order(people[0], "500", on=date(2024, 7, 1))  # after the inventory date
    make_order(make_customer(other, "x"), "700", on=date(2024, 2, 1))  # another organization
    return org, people


def test_committed_lines_are_read_through_arrow_as_integer_cents(transactional_db):
    org, people = _shop()
    with mock.patch.object(frames, "read_arrow_many", wraps=frames.read_arrow_many) as arrow:
        lines = frames.load_order_lines(org, until=AS_OF)
        customers = frames.load_customers(org)
    assert arrow.call_count == 2  # no transaction open: both read through ADBC
    assert lines.schema == pl.Schema(frames.LINES_SCHEMA)
    assert lines.height == 3 * len(AMOUNTS)
    assert lines["amount_cents"].to_list()[:4] == [10, -1235, 9999999999, 1500000]
    assert lines["customer_id"].to_list() == sorted(lines["customer_id"].to_list())
    assert lines["order_date"].max() == date(2024, 4, 3)
    assert sorted(customers["customer_id"].to_list()) == [p.pk for p in people]
    assert customers["current_tier"].to_list() == ["", "", ""]
    # Inside a transaction the same queries run on Django's connection, same frames.
    with transaction.atomic():
        assert frames.load_order_lines(org, until=AS_OF).equals(lines)
        assert frames.load_customers(org).sort("customer_id").equals(customers.sort("customer_id"))


def test_customers_and_their_lines_are_read_together_in_one_arrow_read(transactional_db):
    org, people = _shop()
    with mock.patch.object(frames, "read_arrow_many", wraps=frames.read_arrow_many) as arrow:
        customers, lines = frames.load_customers_and_lines(org, until=AS_OF)
    assert arrow.call_count == 1  # one connection (one child process on SQLite)
    assert lines.equals(frames.load_order_lines(org, until=AS_OF))
    assert customers.sort("customer_id").equals(frames.load_customers(org).sort("customer_id"))
    with transaction.atomic():
        same = frames.load_customers_and_lines(org, until=AS_OF)
    assert same[1].equals(lines)
    assert same[0].sort("customer_id").equals(customers.sort("customer_id"))


def test_an_inventory_outside_a_transaction_grades_and_tiers_committed_customers(
    transactional_db,
):
    org, people = _shop()
    inventory = run_inventory(org, as_of=AS_OF)
    assert inventory.customer_count == 3 and inventory.graded_count == 3
    tiers = dict(org.customers.values_list("code", "tier"))
    assert tiers == {"c0": "SVIP", "c1": "SVIP", "c2": "SVIP"}


def _statements_of_a_next_inventory(rising: int) -> int:
    org, people = _shop(rising)
    run_inventory(org, as_of=AS_OF)
    org.customers.update(tier="C")  # every one of them now rises
    with CaptureQueriesContext(connection) as queries:
        run_inventory(org, as_of=AS_OF)
    assert TierChange.objects.filter(organization=org, status="proposed").count() == rising
    return len(queries)


@pytest.mark.django_db
def test_upgrade_proposals_take_the_same_statements_for_3_or_30_customers():
    assert _statements_of_a_next_inventory(3) == _statements_of_a_next_inventory(30)


def test_setting_first_tiers_adds_no_index_entry_on_postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("HOT updates are PostgreSQL's")
    # A HOT update needs room on the row's own page. Earlier tests of this worker leave
    # dead rows that no vacuum has cleared yet; clear them, so that the test measures the
    # product (the fillfactor and no indexed column changed), not the worker's history.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM customers_customer")
    with transaction.atomic():
        org, people = _shop(20)
        run_inventory(org, as_of=AS_OF)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                "WHERE relname = 'customers_customer'"
            )
            updated, hot = cursor.fetchone()
    assert updated >= 20 and hot == updated
