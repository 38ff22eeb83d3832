"""The last-visit refresh after an order import: set-based statements, a fixed number of
them, that never join the orders table (on PostgreSQL that join made a 1M-line import
run for hours)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.customers.models import Customer
from revisit.sales.services import refresh_last_visits
from tests.factories import make_customer, make_order, make_org

pytestmark = pytest.mark.django_db


def joins_no_orders_table(sql: str) -> bool:
    return '"sales_order"' not in sql and "sales_order " not in sql


def test_refresh_sets_the_latest_paid_day_in_one_statement_without_joining_orders():
    org = make_org()
    customers = [make_customer(org) for _ in range(3)]
    for i, customer in enumerate(customers):
        for day in range(1, 4 + i):
            make_order(customer, Decimal("100"), on=date(2024, 5, day))
    make_order(customers[0], Decimal("-100"), on=date(2024, 6, 1))  # a refund is no visit
    refunds_only = make_customer(org, last_visit=date(2020, 1, 1))
    make_order(refunds_only, Decimal("-5"), on=date(2024, 6, 2))
    with CaptureQueriesContext(connection) as queries:
        updated = refresh_last_visits(org, [c.pk for c in [*customers, refunds_only]])
    assert updated == 4
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1 and joins_no_orders_table(statements[0])
    lasts = [Customer.objects.get(pk=c.pk).last_visit for c in [*customers, refunds_only]]
    assert lasts == [date(2024, 5, 3), date(2024, 5, 4), date(2024, 5, 5), None]
    # Again: nothing changed, nothing written.
    assert refresh_last_visits(org, [c.pk for c in customers]) == 0


def test_the_whole_organization_is_one_statement_and_others_are_untouched():
    org, other = make_org(), make_org()
    mine, theirs = make_customer(org), make_customer(other)
    for customer in (mine, theirs):
        make_order(customer, Decimal("50"), on=date(2024, 2, 1))
    Customer.objects.update(last_visit=None)
    with CaptureQueriesContext(connection) as queries:
        assert refresh_last_visits(org) == 1
    assert len(queries.captured_queries) == 1
    assert joins_no_orders_table(queries.captured_queries[0]["sql"])
    assert Customer.objects.get(pk=mine.pk).last_visit == date(2024, 2, 1)
    assert Customer.objects.get(pk=theirs.pk).last_visit is None


def test_statements_grow_with_batches_of_customers_not_with_orders():
    org = make_org()
    customer = make_customer(org)
    for day in range(1, 29):
        make_order(customer, Decimal("50"), on=date(2024, 2, day))
    others = range(customer.pk + 1, customer.pk + 12_000)  # no such customers: no effect
    with CaptureQueriesContext(connection) as queries:
        refresh_last_visits(org, [customer.pk, *others])
    assert len(queries.captured_queries) == 3  # 5,000 ids per statement
    assert Customer.objects.get(pk=customer.pk).last_visit == date(2024, 2, 28)
