"""Paging the customers page: its "next" and "previous" links continue from a customer
of the page shown (seek paging), so every page is one index range however deep, and a
walk through the pages lists each customer of the filter once, in page order, also when
many share the sort key. Links a user edits answer a clear 400 or the first page."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.core.access import visible_customers
from revisit.customers.models import Customer

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'<a rel="next" href="\?([^"]*)"')
PREVIOUS = re.compile(r'<a rel="prev" href="\?([^"]*)"')


def _link(pattern, html: str) -> str | None:
    found = pattern.search(html)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, query: str) -> list[tuple[int, list[str], list[str]]]:
    """Follow the next links from the first page to the last, then the previous links
    back to the first: (page number, codes shown, SQL run) for every page seen."""
    seen, forward = [], True
    while query is not None:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/customers/?{query}")
        assert response.status_code == 200
        html = response.content.decode()
        codes = [c.code for c in response.context["customers"]]
        seen.append((response.context["page"], codes, [q["sql"] for q in queries]))
        query = _link(NEXT, html) if forward else _link(PREVIOUS, html)
        if query is None and forward:
            forward, query = False, _link(PREVIOUS, html)
    return seen


def check_walk(client, query: str, expected: list[str]) -> None:
    seen = walk(client, query)
    pages = -(-len(expected) // 50)
    assert pages >= 3  # the walk crosses several page boundaries both ways
    forward, back = seen[:pages], seen[pages:]
    assert [number for number, _codes, _sql in forward] == list(range(1, pages + 1))
    assert [code for _n, codes, _sql in forward for code in codes] == expected
    # Back from the last page: the same pages, in reverse, down to the first.
    assert [(n, codes) for n, codes, _sql in back] == [(n, c) for n, c, _s in forward[-2::-1]]
    # Past the first page, no page is read by skipping rows (OFFSET).
    for number, _codes, sql in seen:
        if number > 1:
            assert not any(" OFFSET " in s.upper() for s in sql), number


def test_the_pages_of_all_customers_list_each_once_in_code_order(client, demo):
    client.force_login(demo["admin"])
    expected = list(
        Customer.objects.filter(organization=demo["org"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    check_walk(client, "", expected)


def test_a_name_shared_by_many_pages_on_by_code_without_losing_or_repeating_anyone(client, demo):
    org = demo["org"]
    namesakes = list(Customer.objects.filter(organization=org).order_by("?")[:130])
    Customer.objects.filter(pk__in=[c.pk for c in namesakes]).update(name="林同名")
    Customer.objects.filter(pk=namesakes[0].pk).update(name="林同")  # sorts before them
    client.force_login(demo["admin"])
    expected = list(
        Customer.objects.filter(organization=org, name__startswith="林同")
        .order_by("name", "code")
        .values_list("code", flat=True)
    )
    assert expected == [namesakes[0].code] + sorted(c.code for c in namesakes[1:])
    check_walk(client, "q=林同", expected)


def test_a_last_visit_shared_by_many_pages_on_by_id_newest_first(client, demo):
    org = demo["org"]
    same_day = list(Customer.objects.filter(organization=org).order_by("?")[:140])
    Customer.objects.filter(pk__in=[c.pk for c in same_day]).update(last_visit=date(1999, 5, 5))
    newer = same_day[0]  # sorts before them
    Customer.objects.filter(pk=newer.pk).update(last_visit=date(1999, 5, 6))
    client.force_login(demo["admin"])
    expected = list(
        Customer.objects.filter(organization=org, last_visit__range=("1999-05-05", "1999-05-06"))
        .order_by("-last_visit", "-pk")
        .values_list("code", flat=True)
    )
    assert expected[0] == newer.code and len(expected) == len(same_day)
    check_walk(client, "visited_after=1999-05-05&visited_before=1999-05-06", expected)


def test_a_store_manager_pages_through_her_store_only(client, demo):
    manager = demo["manager1"]
    client.force_login(manager)
    expected = list(visible_customers(manager).order_by("code").values_list("code", flat=True))
    assert 100 < len(expected) < Customer.objects.filter(organization=demo["org"]).count()
    check_walk(client, "", expected)


def first_page(client, **params) -> list[str]:
    return [c.code for c in client.get("/customers/", params).context["customers"]]


def test_a_link_continuing_from_a_customer_outside_the_scope_shows_the_first_page(client, demo):
    manager = demo["manager1"]
    outside = Customer.objects.filter(organization=demo["org"]).exclude(
        pk__in=visible_customers(manager).values("pk")
    )
    client.force_login(manager)
    first = first_page(client)
    for anchor in (outside.order_by("code").first(), outside.order_by("code").last()):
        response = client.get("/customers/", {"after": anchor.pk, "page": 5})
        assert response.status_code == 200 and response.context["page"] == 1
        assert [c.code for c in response.context["customers"]] == first
        # Nothing tells whether that customer exists: as for an id that names no one.
        gone = client.get("/customers/", {"before": 10**12, "page": 5})
        assert [c.code for c in gone.context["customers"]] == first


def test_a_link_from_a_customer_moved_out_of_the_scope_since_shows_the_first_page(client, demo):
    manager = demo["manager1"]
    client.force_login(manager)
    html = client.get("/customers/").content.decode()
    query = _link(NEXT, html)
    last = Customer.objects.get(pk=int(re.search(r"after=(\d+)", query).group(1)))
    other = demo["org"].stores.exclude(pk=last.home_store_id).first()
    Customer.objects.filter(pk=last.pk).update(home_store=other)
    response = client.get(f"/customers/?{query}")
    assert response.status_code == 200 and response.context["page"] == 1
    assert first_page(client) == [c.code for c in response.context["customers"]]


@pytest.mark.parametrize(
    "query",
    [
        "after=abc",
        "after=-3",
        "after=0",
        "after=1.5",
        "before=%EF%BC%91",  # a full-width digit
        "after=99999999999999999999999999",
        "after=1&before=2",
        "after=" + "9" * 5000,
    ],
)
def test_an_edited_page_link_answers_400_with_a_message(client, demo, query):
    client.force_login(demo["admin"])
    response = client.get(f"/customers/?{query}&page=3")
    assert response.status_code == 400
    assert "翻页链接无效" in response.content.decode()


def test_the_filters_links_leave_out_the_page_and_where_it_continues(client, demo):
    client.force_login(demo["admin"])
    html = client.get("/customers/").content.decode()
    response = client.get(f"/customers/?segment=&{_link(NEXT, html)}")
    html = response.content.decode()
    assert response.context["query"] == "segment="
    export = re.search(r'href="\?([^"]*)export=xlsx"', html).group(1)
    assert "after" not in export and "page" not in export
    # Page 2's previous link is the first page itself.
    assert _link(PREVIOUS, html) == "segment="


def test_a_typed_page_number_still_shows_that_page(client, demo):
    client.force_login(demo["admin"])
    codes = list(
        Customer.objects.filter(organization=demo["org"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    response = client.get("/customers/", {"page": 3})
    assert response.context["page"] == 3
    assert [c.code for c in response.context["customers"]] == codes[100:150]
    html = response.content.decode()
    assert "after=" in _link(NEXT, html) and "before=" in _link(PREVIOUS, html)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_a_channel_filter_pages_through_its_own_index_in_code_order(demo):
    from django.http import QueryDict

    from revisit.web.search import PageRequest, customer_page_query, page_query
    from revisit.web.views.customers import table_customers

    form, customers = customer_page_query(demo["admin"], QueryDict("channel=referral"))
    page, _wanted = page_query(
        customers, form.ordering(), PageRequest(), form.scope, table_customers()
    )
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [(row[0], row[1], row[-1]) for row in cursor.fetchall()]
    # The page's customers: a walk of the channel's index in code order, stopping after
    # a page (no sort of every customer of the channel) ...
    picked = next(node for node, _parent, detail in plan if detail.startswith("LIST SUBQUERY"))
    inside = [detail for _node, parent, detail in plan if parent == picked]
    assert len(inside) == 1, plan
    assert inside[0].endswith(
        "INDEX customers_c_organiz_dfbbab_idx (organization_id=? AND channel=?)"
    ), plan
    # ... then read by id: the only sort is of the page's own rows.
    assert any("USING INTEGER PRIMARY KEY (rowid=?)" in d for _n, _p, d in plan), plan


@pytest.mark.parametrize("past", ["page=100000", "after={last}&page=9"])
def test_a_page_past_the_last_customer_is_empty_with_a_way_back(client, demo, past):
    client.force_login(demo["admin"])
    last = Customer.objects.filter(organization=demo["org"]).order_by("code").last()
    response = client.get(f"/customers/?{past.format(last=last.pk)}")
    assert response.status_code == 200 and response.context["customers"] == []
    html = response.content.decode()
    assert _link(NEXT, html) is None
    back = client.get(f"/customers/?{_link(PREVIOUS, html)}")
    assert back.status_code == 200
