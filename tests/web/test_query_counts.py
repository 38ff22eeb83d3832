"""Hot pages read the database a fixed number of times, however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.outreach.models import CallTask

pytestmark = pytest.mark.django_db

# (user, page, most queries): the page's whole request, session and user included (the
# user is read with her organization and roles: revisit.core.backends).
PINNED = [
    # queue: one of them the last visits for the scripts, three the running campaign, the
    # outreach settings (read once) and the latest surveys (win-back), two the course cards
    # on the tasks and the stored-value balances for the trade-up; its progress counts the
    # calls and the next day's appointments only (not the messages sent, which it does not
    # show)
    ("consultant1", "/queue/", 15),
    ("consultant1", "/customers/", 8),
    ("manager1", "/customers/?q=王", 9),  # one of them: is it an exact customer code?
    # two of them: the monthly report's reminders (her store's reports due, one query) and the
    # group sends waiting for her approval
    ("manager1", "/", 11),
    ("manager1", "/upgrades/", 7),
    # six of them: the A4 survey progress; one 接诊; one the campaign running that day; two
    # the messages sent (per sending channel, and per person for the figures)
    ("manager1", "/reports/daily/", 26),
    ("admin", "/", 11),  # one of them: the group sends waiting for her approval
    ("admin", "/inventories/", 8),
    # the referral statistics read the month's registered and arrived people once for the
    # product, referrer-tier and deviation tables (each table read them again: 40)
    ("admin", "/referrals/statistics/", 32),
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
    # One query asks which timeline sources have rows for her, then one per source that has
    # (orders + lines with their items, follow-ups, appointments, consultations, tier
    # changes, reveals, notes: a customer with every kind of event reads 22), her published
    # grades (read once for the card and the timeline), the card's history, "must meet",
    # the owner choices a manager may hand her to; her owner and home store come with her
    # (whether the user works her store's desk is answered from the user's roles); her
    # course cards, her referrals (whom she brought, who brought her), and the membership
    # block (the points settings and her card: 2).
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


def test_roles_and_organization_are_read_once_with_the_user(client, demo):
    """The navigation, the role check and the scope of a page ask the same rows: the
    session's user arrives with them."""
    client.force_login(demo["manager1"])
    client.get("/customers/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/customers/")
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries]
    assert tables.count('"core_roleassignment"') == 1
    assert '"core_organization"' not in tables
