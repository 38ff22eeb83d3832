"""The search box of the customers page: names in name order within the viewer's scope,
an exact customer code as that one customer."""

from collections import Counter

import pytest

from revisit.core.access import visible_customers
from revisit.customers.models import Customer

pytestmark = pytest.mark.django_db


def shown(client, **params) -> list[tuple[str, str]]:
    return [(c.name, c.code) for c in client.get("/customers/", params).context["customers"]]


def test_a_name_search_lists_the_names_in_order_inside_the_scope(client, demo):
    manager = demo["manager1"]
    surname, _count = Counter(
        name[:1]
        for name in Customer.objects.filter(organization=demo["org"]).values_list("name", flat=True)
    ).most_common(1)[0]
    in_scope = visible_customers(manager).filter(name__startswith=surname)
    outside = Customer.objects.filter(organization=demo["org"], name__startswith=surname).exclude(
        pk__in=in_scope.values("pk")
    )
    assert in_scope.count() > 1 and outside.exists()
    client.force_login(manager)
    rows = shown(client, q=surname)
    assert rows == sorted(in_scope.values_list("name", "code"))[:50]
    assert not {code for _name, code in rows} & set(outside.values_list("code", flat=True))


def test_an_exact_code_is_that_customer_even_when_names_start_with_it(client, demo):
    customers = Customer.objects.filter(organization=demo["org"]).order_by("pk")
    wanted, namesake = customers[0], customers[1]
    namesake.name = wanted.code + "妮"
    namesake.save()
    client.force_login(demo["admin"])
    assert shown(client, q=wanted.code) == [(wanted.name, wanted.code)]
    assert shown(client, q=wanted.code[:-1]) == [(namesake.name, namesake.code)]
