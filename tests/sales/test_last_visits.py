"""The last-visit refresh after an order import: bounded statements that never join the
orders table (on PostgreSQL that join made a 1M-line import run for hours)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.sales.services import refresh_last_visits
from tests.factories import make_customer, make_order, make_org

pytestmark = pytest.mark.django_db


def test_refresh_sets_the_latest_paid_day_without_joining_orders():
    org = make_org()
    customers = [make_customer(org) for _ in range(3)]
    for i, customer in enumerate(customers):
        for day in range(1, 4 + i):
            make_order(customer, Decimal("100"), on=date(2024, 5, day))
    make_order(customers[0], Decimal("-100"), on=date(2024, 6, 1))  # a refund is no visit
    with CaptureQueriesContext(connection) as queries:
        updated = refresh_last_visits(org, [c.pk for c in customers])
    assert updated == 3
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1
    assert '"sales_order"' not in statements[0] and "sales_order " not in statements[0]
    lasts = sorted(c.last_visit for c in type(customers[0]).objects.filter(organization=org))
    assert lasts == [date(2024, 5, 3), date(2024, 5, 4), date(2024, 5, 5)]


def test_statements_grow_with_batches_of_customers_not_with_orders():
    org = make_org()
    customer = make_customer(org)
    for day in range(1, 29):
        make_order(customer, Decimal("50"), on=date(2024, 2, day))
    with CaptureQueriesContext(connection) as queries:
        refresh_last_visits(org, [customer.pk] * 12_000)
    assert len(queries.captured_queries) == 3  # 5,000 ids per statement
