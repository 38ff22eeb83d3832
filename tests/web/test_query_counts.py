"""Hot pages read the database a fixed number of times, however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.outreach.models import CallTask

pytestmark = pytest.mark.django_db

# (user, page, most queries): the page's whole request, session and user included.
PINNED = [
    # One of them: the last visits for the scripts; three: the running campaign, the
    # outreach settings and the latest surveys (the win-back offer by reason).
    ("consultant1", "/queue/", 20),
    ("consultant1", "/customers/", 14),
    ("manager1", "/customers/?q=王", 14),
    ("manager1", "/", 11),
    ("manager1", "/upgrades/", 10),
    # Six of them: the A4 survey progress; one the campaign running that day.
    ("manager1", "/reports/daily/", 28),
    ("admin", "/", 13),
    ("admin", "/inventories/", 11),
]


def count(client, url) -> int:
    client.get(url)  # warm: the first request of a session reads more
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(("user", "url", "most"), PINNED)
def test_hot_pages_keep_their_query_count(client, demo, user, url, most):
    client.force_login(demo[user])
    assert count(client, url) <= most


def test_the_customer_page_keeps_its_query_count(client, demo):
    client.force_login(demo["manager1"])
    customer = visible_customers(demo["manager1"]).first()
    assert count(client, f"/customers/{customer.pk}/") <= 19


def test_the_queue_reads_as_often_with_more_tasks(client, demo):
    consultant = demo["consultant1"]
    client.force_login(consultant)
    before = count(client, "/queue/")
    today = local_date(demo["org"])
    busy = set(CallTask.objects.filter(status="open").values_list("customer_id", flat=True))
    extra = visible_customers(consultant).exclude(pk__in=busy)[:15]
    CallTask.objects.bulk_create(
        CallTask(
            organization=demo["org"],
            customer=c,
            assignee=consultant,
            due_date=today,
            first_due_date=today,
            segment="A1",
        )
        for c in extra
    )
    assert len(extra) == 15
    assert count(client, "/queue/") == before
