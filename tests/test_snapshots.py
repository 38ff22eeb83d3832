"""The shared demo copy (tests/snapshots.py) is the demo a fresh build gives, and taking
it leaves the database as it was."""

import pytest
from django.utils import timezone

from revisit.core.models import Organization, Staff
from revisit.customers.models import Customer
from revisit.demo import build_demo
from revisit.grading.models import Grade, Inventory
from revisit.outreach.models import CallTask
from revisit.sales.models import OrderLine
from tests.factories import make_customer, make_org
from tests.snapshots import capture

pytestmark = pytest.mark.django_db


def contents(org: Organization) -> tuple:
    return (
        sorted(
            Customer.objects.filter(organization=org).values_list(
                "code", "name", "mobile", "phone_last4", "tier", "last_visit", "owner__username"
            )
        ),
        sorted(
            OrderLine.objects.filter(organization=org).values_list(
                "order__order_no", "line_no", "amount", "order_date", "item__code"
            )
        ),
        sorted(
            Inventory.objects.filter(organization=org).values_list(
                "as_of", "segment_counts", "tier_counts"
            )
        ),
        sorted(
            Grade.objects.filter(inventory__organization=org).values_list(
                "inventory__as_of", "customer__code", "segment", "tier"
            )
        ),
        sorted(
            CallTask.objects.filter(organization=org).values_list(
                "customer__code", "assignee__username", "due_date"
            )
        ),
        sorted(Staff.objects.filter(organization=org).values_list("username", "password")),
    )


def test_the_copy_is_what_a_fresh_build_gives():
    today = timezone.localdate()
    snapshot = capture(lambda: build_demo(customers=120, as_of=today))
    own = make_customer(make_org())  # a test's own rows first: no id may collide
    snapshot.restore()
    copied = contents(Organization.objects.get(code="demo"))
    assert copied[0] and copied[1] and len(copied[2]) == 2 and copied[4]
    fresh = contents(build_demo(customers=120, as_of=today, replace=True).organization)
    # Passwords are salted, so only the usernames can be compared.
    assert copied[:-1] == fresh[:-1]
    assert [u for u, _ in copied[-1]] == [u for u, _ in fresh[-1]]
    assert Customer.objects.filter(pk=own.pk).exists()


def test_capturing_leaves_the_database_as_it_was():
    snapshot = capture(lambda: build_demo(customers=20, code="other", as_of=timezone.localdate()))
    assert not Organization.objects.exists() and not Customer.objects.exists()
    snapshot.restore()
    assert Customer.objects.filter(organization__code="other").count() == 20
