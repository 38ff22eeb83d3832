"""Every page, as every role: what the navigation offers opens, what it does not is
refused, and nothing outside a role's scope is ever shown."""

import pytest

from revisit.core.access import visible_customers
from revisit.customers.models import Customer
from revisit.grading.models import Inventory
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db

ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
PAGES = {
    "/queue/": {"consultant1", "caller1"},
    "/customers/": set(ROLE_USERS),
    "/inventories/": {"admin", "supervisor", "manager1"},
    "/upgrades/": {"admin", "supervisor", "manager1"},
    "/reports/daily/": {"admin", "supervisor", "manager1"},
    "/reports/liability/": {"admin", "supervisor", "manager1"},
    "/strategies/": {"admin", "supervisor", "manager1"},
    "/campaigns/": {"admin", "supervisor", "manager1"},
    "/imports/": {"admin", "manager1"},
    "/audit/": {"admin"},
    "/staff/": {"admin", "supervisor", "manager1"},
    "/revisit-team/": {"admin", "manager1"},
    "/settings/": {"admin", "supervisor", "manager1"},
    "/desk/": {"admin", "manager1", "consultant1", "caller1", "desk1"},
    "/cashier/": {"admin", "manager1", "desk1"},
    "/calendar/": set(ROLE_USERS),
    "/practitioner/": {"doctor1"},
    "/roster/": {"admin", "manager1"},
    "/referrals/": set(ROLE_USERS),
    "/messages/": {"admin", "supervisor", "manager1"},
    "/reports/monthly/": set(ROLE_USERS),
    "/store-tasks/": {"admin", "manager1", "consultant1", "desk1"},
}
# Pages that open for more roles than the navigation offers them to.
NOT_IN_NAV = {"/practitioner/": {"admin", "manager1"}}


CARD_ACTIONS = {
    "edit": {"name": "改名", "mobile": "13900000000"},
    "correction": {"channel": "tv", "reason": "试探"},
    "owner": {"owner": "1", "reason": "试探"},
    "notes": {"text": "试探"},
    "tags": {"tags": "试探"},
    "contacts": {"outcome": "invalid_1", "channel": "call"},
    "membership/handover": {"how": "picked_up"},
    "membership/cashback": {},
    "membership/status": {"status": "suspended", "reason": "试探"},
}


def test_pages_need_a_login(client, demo):
    for url in [*PAGES, "/", "/customers/1/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("username", ROLE_USERS)
def test_each_role_opens_its_pages_and_is_refused_the_others(client, demo, username):
    client.force_login(demo[username])
    home = client.get("/", follow=True)
    assert home.status_code == 200
    nav = [item["url"] for item in home.context["nav"]]
    assert set(nav) == {url for url, users in PAGES.items() if username in users}
    for url, users in PAGES.items():
        response = client.get(url)
        opens = username in users or username in NOT_IN_NAV.get(url, set())
        assert response.status_code == (200 if opens else 403), url


def test_consultants_and_callers_land_on_their_queue(client, demo):
    client.force_login(demo["consultant1"])
    assert client.get("/")["Location"] == "/queue/"
    client.force_login(demo["manager1"])
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("username", ROLE_USERS)
def test_customers_outside_the_scope_are_404_on_every_page(client, demo, username):
    staff = demo[username]
    client.force_login(staff)
    outside = Customer.objects.filter(organization=demo["org"]).exclude(
        pk__in=visible_customers(staff).values("pk")
    )
    inside = visible_customers(staff).first()
    if inside is not None:
        assert client.get(f"/customers/{inside.pk}/").status_code == 200
    other_org = make_customer(make_org(), "X-1", name="别家客户", mobile="+8613900000000")
    strangers = [other_org, *outside.order_by("?")[:3]]
    assert len(strangers) > (1 if username != "admin" else 0)
    for stranger in strangers:
        assert client.get(f"/customers/{stranger.pk}/").status_code == 404
        assert client.post(f"/customers/{stranger.pk}/phone/").status_code == 404
        # The card's pages and actions: the customer is looked up before the role.
        assert client.get(f"/customers/{stranger.pk}/edit/").status_code == 404
        assert client.get(f"/customers/{stranger.pk}/referrals/new/").status_code == 404
        assert client.get(f"/customers/{stranger.pk}/wallet/").status_code == 404
        for action, data in CARD_ACTIONS.items():
            url = f"/customers/{stranger.pk}/{action}/"
            assert client.post(url, data).status_code == 404, url
        team = 404 if username in PAGES["/revisit-team/"] else 403
        for action in ("number", "return"):
            url = f"/revisit-team/customers/{stranger.pk}/{action}/"
            assert client.post(url, {"dead": "1"}).status_code == team
        listing = client.get("/customers/", {"q": stranger.code}).content.decode()
        assert f">{stranger.code}<" not in listing
    assert client.get("/customers/999999999/").status_code == 404


def test_inventory_pages_render_for_the_demo(client, demo):
    client.force_login(demo["admin"])
    earlier, latest = Inventory.objects.filter(organization=demo["org"]).order_by("as_of")
    page = client.get(f"/inventories/{latest.pk}/").content.decode()
    assert 'id="segment-chart"' in page and "A1" in page
    movement = client.get(f"/inventories/{latest.pk}/movements/", {"from": earlier.pk})
    assert movement.status_code == 200
    matrix = movement.context["matrix"]
    total = sum(n for row in matrix for _, n in row["cells"])
    assert total == latest.customer_count
