"""Sales facts derived from order lines and kept on the customer for fast lists."""

from collections.abc import Iterable

from django.db.models import Max, OuterRef, Subquery

from revisit.core.models import Organization
from revisit.customers.models import Customer
from revisit.sales.models import OrderLine


def refresh_last_visits(
    organization: Organization, customer_ids: Iterable[int] | None = None
) -> int:
    """Set each customer's `last_visit` to the date of their latest paid order line.

    Only the given customers when `customer_ids` is passed (an import touches few), else
    the whole organization. Returns the number of customers updated.
    """
    # order_by() drops OrderLine's default ordering, which would join every order into
    # the subquery (customers × orders on PostgreSQL).
    latest = (
        OrderLine.objects.filter(customer_id=OuterRef("pk"), amount__gt=0)
        .order_by()
        .values("customer_id")
        .annotate(day=Max("order_date"))
        .values("day")
    )
    customers = Customer.objects.filter(organization=organization)
    if customer_ids is None:
        return customers.update(last_visit=Subquery(latest))
    ids = list(customer_ids)
    updated = 0
    for start in range(0, len(ids), 5000):
        updated += customers.filter(pk__in=ids[start : start + 5000]).update(
            last_visit=Subquery(latest)
        )
    return updated
