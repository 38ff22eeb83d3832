"""Small builders for tests: real rows in the real database, nothing mocked."""

import itertools
from datetime import date
from decimal import Decimal

from revisit.core.models import Organization, Region, Role, RoleAssignment, Staff, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item, Order, OrderLine

_seq = itertools.count(1)


def make_org(code: str | None = None) -> Organization:
    n = next(_seq)
    return Organization.objects.create(code=code or f"org{n}", name=f"机构{n}")


def make_region(org: Organization, code: str = "R1") -> Region:
    return Region.objects.create(organization=org, code=code, name=f"区域{code}")


def make_store(org: Organization, code: str = "S1", region: Region | None = None) -> Store:
    return Store.objects.create(organization=org, code=code, name=f"门店{code}", region=region)


def make_staff(
    org: Organization, role: str | None = None, *, store=None, region=None, name=None
) -> Staff:
    n = next(_seq)
    staff = Staff.objects.create_user(
        username=f"u{n}",
        password="pw-unused-123",
        organization=org,
        display_name=name or f"员工{n}",
    )
    if role:
        RoleAssignment.objects.create(staff=staff, role=role, store=store, region=region)
    return staff


def make_customer(org: Organization, code: str | None = None, **fields) -> Customer:
    return Customer.objects.create(organization=org, code=code or f"C{next(_seq):06d}", **fields)


def demo_referrer(org: Organization, store_code: str = "SH01") -> Customer:
    """A demo customer of the store who can refer a friend: a mobile on record, and no
    wallet yet (the demo's referral history gives some referrers credit already)."""
    return (
        Customer.objects.filter(
            organization=org,
            home_store__code=store_code,
            mobile__gt="",
            wallet_accounts__isnull=True,
        )
        .order_by("code")
        .first()
    )


def make_order(
    customer: Customer,
    amount: Decimal | str,
    *,
    on: date = date(2024, 5, 1),
    store: Store | None = None,
    item: Item | None = None,
    practitioner: Staff | None = None,
) -> Order:
    order = Order.objects.create(
        organization=customer.organization,
        order_no=f"O{next(_seq)}",
        customer=customer,
        store=store,
        order_date=on,
    )
    OrderLine.objects.create(
        order=order,
        line_no=1,
        organization=customer.organization,
        customer=customer,
        order_date=on,
        item=item,
        amount=Decimal(amount),
        practitioner=practitioner,
    )
    return order


__all__ = [
    "Role",
    "make_customer",
    "make_order",
    "make_org",
    "make_region",
    "make_staff",
    "make_store",
]


def log_in(client, username: str, password: str) -> bool:
    """Log in through the login page, as a person does (throttling sees the request)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302
