"""Defect 12: the owner filter lists only consultants of the viewer's scope; a
practitioner's home links to no page she is refused; the settings entry is in the
navigation of exactly the roles that may read the settings."""

from datetime import date

import pytest

from revisit.core.models import Role
from revisit.grading.services import run_inventory
from tests.factories import make_customer, make_order, make_org, make_region, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    org = make_org()
    north, south = make_region(org, "N"), make_region(org, "S")
    s1, s2, s3 = (
        make_store(org, c, region=r) for c, r in [("S1", north), ("S2", north), ("S3", south)]
    )
    people = {
        "admin": make_staff(org, Role.ADMIN),
        "supervisor": make_staff(org, Role.REGION_SUPERVISOR, region=north),
        "manager": make_staff(org, Role.STORE_MANAGER, store=s1),
        "doctor": make_staff(org, Role.PRACTITIONER, store=s1),
        "caller": make_staff(org, Role.CALLER, store=s1),
        "c1": make_staff(org, Role.CONSULTANT, store=s1),
        "c2": make_staff(org, Role.CONSULTANT, store=s2),
        "c3": make_staff(org, Role.CONSULTANT, store=s3),
    }
    return org, s1, people


def owner_names(client, staff) -> set[str]:
    client.force_login(staff)
    form = client.get("/customers/").context["form"]
    return {label for value, label in form.fields["owner"].choices if value}


def test_the_owner_filter_lists_only_consultants_of_the_viewers_scope(client, chain):
    org, s1, p = chain
    name = lambda *keys: {str(p[k]) for k in keys}  # noqa: E731
    assert owner_names(client, p["admin"]) == name("c1", "c2", "c3")
    assert owner_names(client, p["supervisor"]) == name("c1", "c2")
    assert owner_names(client, p["manager"]) == name("c1")
    assert owner_names(client, p["c2"]) == name("c2")
    # A doctor sees the customers she served, so the consultants owning them.
    served = make_customer(org, owner=p["c3"], home_store=s1)
    make_order(served, "100", practitioner=p["doctor"])
    assert owner_names(client, p["doctor"]) == name("c3")


def test_a_practitioners_home_links_only_to_pages_she_may_open(client, chain):
    org, s1, p = chain
    served = make_customer(org, owner=p["c1"], home_store=s1)
    make_order(served, "100", practitioner=p["doctor"])
    run_inventory(org, as_of=date(2024, 6, 1))
    client.force_login(p["doctor"])
    page = client.get("/")
    assert page.status_code == 200
    hrefs = {
        h
        for h in _hrefs(page.content.decode())
        if h.startswith("/") and not h.startswith("/static/")
    }
    assert hrefs, "the home page links somewhere"
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def _hrefs(html: str) -> list[str]:
    import re

    return [h.split("#")[0] for h in re.findall(r'href="([^"]+)"', html)]


@pytest.mark.parametrize(
    "who, sees",
    [
        ("admin", True),
        ("supervisor", True),
        ("manager", True),
        ("c1", False),
        ("caller", False),
        ("doctor", False),
    ],
)
def test_the_settings_entry_is_in_the_navigation_of_those_who_may_read(client, chain, who, sees):
    client.force_login(chain[2][who])
    nav = [item["url"] for item in client.get("/customers/").context["nav"]]
    assert ("/settings/" in nav) is sees
