"""Sales facts derived from order lines and kept on the customer for fast lists."""

from collections.abc import Iterable

from django.db import connection

from revisit.core.models import Organization
from revisit.customers.models import Customer
from revisit.sales.models import OrderLine

IDS_PER_STATEMENT = 5000


def refresh_last_visits(
    organization: Organization,
    customer_ids: Iterable[int] | None = None,
    *,
    among: tuple[str, list] | None = None,
) -> int:
    """Set each customer's `last_visit` to the date of their latest paid order line
    (none: empty). Returns the number of customers whose date changed.

    Which customers: those in `customer_ids` (one statement per 5,000), those selected by
    `among` (a subquery of customer ids and its parameters: one statement), else the
    whole organization (one statement).

    One set-based statement per batch: the latest day of each customer is grouped from
    the order lines alone (they repeat the customer and date, and the index
    (organization, customer, date) serves it), never joined to the orders table, and
    only customers whose date changes are written.
    """
    if customer_ids is None:
        return _refresh(organization, among)
    ids = sorted(set(customer_ids))
    updated = 0
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        batch = ids[start : start + IDS_PER_STATEMENT]
        updated += _refresh(organization, (", ".join(["%s"] * len(batch)), batch))
    return updated


def _refresh(organization: Organization, among: tuple[str, list] | None) -> int:
    q = connection.ops.quote_name
    customers, lines = q(Customer._meta.db_table), q(OrderLine._meta.db_table)
    restrict, params = "", []
    if among is not None:
        restrict = f"AND t.{q('id')} IN ({among[0]})"
        params = list(among[1])
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    sql = f"""
        UPDATE {customers} SET {q("last_visit")} = s.day
        FROM (
            SELECT t.{q("id")} AS id, max(l.{q("order_date")}) AS day
            FROM {customers} t
            LEFT JOIN {lines} l
                ON l.{q("organization_id")} = t.{q("organization_id")}
                AND l.{q("customer_id")} = t.{q("id")}
                AND l.{q("amount")} > 0
            WHERE t.{q("organization_id")} = %s {restrict}
            GROUP BY t.{q("id")}
        ) s
        WHERE {customers}.{q("id")} = s.id AND {customers}.{q("last_visit")} {differs} s.day
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk, *params])
        return cursor.rowcount
