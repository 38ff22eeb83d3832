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


@pytest.mark.parametrize("walk_from", [1, 10**9])
def test_a_tag_lists_its_customers_in_code_order_whichever_way_it_is_read(
    client, demo, monkeypatch, walk_from
):
    # A common tag walks customers in code order probing the tag; a rare one joins the
    # tag's customers and sorts them: the page is the same.
    from revisit.customers.models import Tag
    from revisit.web import search

    monkeypatch.setattr(search, "TAG_WALK_MIN", walk_from)
    org = demo["org"]
    tag = Tag.objects.create(organization=org, name="<活动>")
    customers = list(Customer.objects.filter(organization=org).order_by("-code")[:60])
    tag.customers.add(*customers)
    client.force_login(demo["admin"])
    expected = sorted((c.name, c.code) for c in customers)
    rows = shown(client, tag=tag.pk)
    assert sorted(rows, key=lambda r: r[1]) == rows  # code order
    assert rows == sorted(expected, key=lambda r: r[1])[:50]
    assert shown(client, tag=tag.pk, page=2) == sorted(expected, key=lambda r: r[1])[50:]
    html = client.get("/customers/", {"tag": tag.pk}).content.decode()
    assert "&lt;活动&gt;" in html  # the tag's name escaped in its select


OLD_ROWS = """{% load revisit %}{% for c in customers %}
    <tr>
      <td><a href="{{ c.url }}">{{ c.code }}</a></td>
      <td>{{ c.name }}</td>
      <td>{{ c.mobile|masked }}</td>
      <td>{% if c.segment %}<span class="badge">{{ c.segment|segment_name }}</span>{% endif %}</td>
      <td>{{ c.get_tier_display }}</td>
      <td>{{ c.owner|default:"—" }}</td>
      <td>{{ c.home_store|default:"—" }}</td>
      <td>{{ c.last_visit|default:"—" }}</td>
    </tr>{% endfor %}"""


def test_the_rows_drawn_in_python_are_what_the_template_drew(demo):
    import re
    from datetime import date

    from django.template import Context, Template
    from django.utils import translation

    from revisit.web.views.customers import table_rows

    rows = list(
        Customer.objects.filter(organization=demo["org"])
        .select_related("owner", "home_store")
        .order_by("pk")[:6]
    )
    rows[0].name, rows[0].owner, rows[0].home_store = '<b>"王"</b> & 李', None, None
    rows[1].tier, rows[1].last_visit, rows[1].mobile = "", None, ""
    rows[2].tier, rows[2].last_visit = "SVIP", date(2024, 2, 29)
    for row, segment in zip(rows, ["A1", "none", "", "B4", "A2", ""], strict=True):
        row.segment, row.url = segment, f"/customers/{row.pk}/?x=<1>"
    with translation.override("zh-hans"):
        old = Template(OLD_ROWS).render(Context({"customers": rows}))
        new = str(table_rows(rows))
    assert re.sub(r">\s+<", "><", old).strip() == re.sub(r">\s+<", "><", new).strip()
    assert "2024年2月29日" in new and "&lt;b&gt;" in new and "未分级" in new
