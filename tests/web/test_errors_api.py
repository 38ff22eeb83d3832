"""The API answers bad parameters with a 4xx and a message, never a 500."""

import pytest
from django.test import Client

from revisit.api.models import ApiToken
from revisit.core.models import Role
from tests.factories import make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

BAD_DAYS = ["2024-02-30", "2024-13-45", "9999-12-31", "0001-01-01", "abc"]
BAD_NUMBERS = ["99999999999999999999999", "-1", "abc", "1e400"]


@pytest.fixture
def api():
    org = make_org()
    store = make_store(org)
    make_staff(org, Role.ADMIN)
    caller = make_staff(org, Role.CALLER, store=store)
    admin = org.staff.get(role_assignments__role=Role.ADMIN)
    client = Client(raise_request_exception=False)
    return client, {r: ApiToken.issue(s)[1] for r, s in [("admin", admin), ("caller", caller)]}


def _get(api, path, params, who="admin"):
    client, tokens = api
    return client.get(path, params, headers={"Authorization": f"Bearer {tokens[who]}"})


@pytest.mark.parametrize(
    "path, name, who",
    [
        ("/api/call-tasks", "day", "caller"),
        ("/api/orders", "since", "admin"),
        ("/api/orders", "until", "admin"),
        ("/api/customers", "visited_after", "admin"),
        ("/api/customers", "visited_before", "admin"),
    ],
)
@pytest.mark.parametrize("value", BAD_DAYS)
def test_an_impossible_day_is_refused_with_a_message(api, path, name, who, value):
    response = _get(api, path, {name: value}, who)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path, name",
    [
        ("/api/customers", "limit"),
        ("/api/customers", "offset"),
        ("/api/customers", "owner"),
        ("/api/orders", "customer_id"),
        ("/api/customers/{value}", None),
        ("/api/inventories/{value}", None),
        ("/api/inventories/{value}/grades", None),
    ],
)
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_an_impossible_number_is_refused_with_a_message(api, path, name, value):
    if name is None:
        response = _get(api, path.format(value=value), {})
    else:
        response = _get(api, path, {name: value})
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]
