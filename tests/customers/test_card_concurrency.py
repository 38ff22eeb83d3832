"""Two desks registering the same number at the same moment make one card (real threads,
real PostgreSQL)."""

import pytest
from django.db import connection

from revisit.core.models import Role
from revisit.customers.cards import DuplicateMobile, register_customer
from revisit.customers.models import Customer
from tests.factories import make_org, make_staff, make_store
from tests.outreach.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level concurrency: PostgreSQL"
    ),
]


def test_the_same_number_registered_at_once_makes_one_card():
    org = make_org()
    store = make_store(org)
    desks = [make_staff(org, Role.FRONT_DESK, store=store) for _ in range(4)]

    def register(desk, n):
        return register_customer(
            org, actor=desk, values={"name": f"顾客{n}", "mobile": "13912340099"}
        )

    results = run_together(register, [(d, n) for n, d in enumerate(desks)])
    created = [r for r in results if isinstance(r, Customer)]
    assert len(created) == 1, results
    assert all(isinstance(r, DuplicateMobile) for r in results if r not in created)
    assert Customer.objects.filter(organization=org, mobile="+8613912340099").count() == 1
    codes = set(Customer.objects.filter(organization=org).values_list("code", flat=True))
    assert len(codes) == 1
