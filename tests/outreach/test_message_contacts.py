"""Marketing messages the outbox sent count as contacts in the call lists: a customer
messaged within the cool-off is not also put on today's list, and messages count toward
the contact cap with the calls. Messages not sent (failed, held back) and service notices
are no contact. The daily figures count each person's messages sent."""

from datetime import timedelta

import pytest

from revisit.messaging.models import Message
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.figures import daily_figures
from revisit.outreach.models import CallTask
from tests.factories import make_order
from tests.outreach.conftest import DAY, at, contacted, graded

pytestmark = pytest.mark.django_db


def messaged(customer, when, *, status="sent", purpose="marketing", actor=None, channel="sms"):
    return Message.objects.create(
        organization=customer.organization,
        customer=customer,
        channel=channel,
        purpose=purpose,
        text="新品到店，回T退订",
        due_at=when,
        status=status,
        sent_at=when if status == "sent" else None,
        created_by=actor,
    )


def listed() -> set[int]:
    return set(CallTask.objects.values_list("customer", flat=True))


def test_a_customer_messaged_within_the_cool_off_is_not_called_today(clinic):
    owner = clinic["consultant"]
    today, week_ago, service, failed, held, quiet = graded(clinic, "A1", 6, owner=owner)
    messaged(today, at(DAY, 9))
    messaged(week_ago, at(DAY - timedelta(days=7)))  # the 7-day cool-off has passed
    messaged(service, at(DAY, 9), purpose="service")  # a points notice is no contact
    messaged(failed, at(DAY, 9), status="failed")
    messaged(held, at(DAY, 9), status="suppressed")
    generate_call_lists(clinic["org"], date=DAY)
    assert listed() == {week_ago.pk, service.pk, failed.pk, held.pk, quiet.pk}


def test_messages_count_toward_the_contact_cap_with_the_calls(clinic):
    consultant = clinic["consultant"]
    capped, under = graded(clinic, "A1", 2, owner=consultant)
    for customer in (capped, under):
        make_order(customer, "100", on=DAY - timedelta(days=200))
        for days in (80, 70, 60, 50, 40):  # five calls: one short of the cap of six
            contacted(customer, consultant, at(DAY - timedelta(days=days)))
    messaged(capped, at(DAY - timedelta(days=10)))  # the sixth contact is a message
    messaged(under, at(DAY - timedelta(days=10)), status="failed")
    generate_call_lists(clinic["org"], date=DAY)
    assert listed() == {under.pk}


def test_daily_figures_count_each_persons_messages_sent(clinic):
    consultant = clinic["consultant"]
    a, b = graded(clinic, "A1", 2, owner=consultant)
    messaged(a, at(DAY, 9), actor=consultant)
    messaged(b, at(DAY, 11), actor=consultant, channel="wechat")
    messaged(b, at(DAY, 12), actor=consultant, status="failed")
    messaged(a, at(DAY - timedelta(days=1), 9), actor=consultant)
    rows = {r["staff_id"]: r for r in daily_figures(clinic["org"], DAY)}
    assert rows[consultant.pk]["messages"] == 2
    assert rows[clinic["callers"][0].pk]["messages"] == 0
