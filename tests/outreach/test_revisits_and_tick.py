"""Post-treatment revisits from the category cadence, and the daily tick run twice."""

from datetime import timedelta

import pytest
import time_machine

from revisit.outreach.models import CallTask, ScheduledContact
from revisit.outreach.revisits import schedule_treatment_revisits
from revisit.outreach.tasks import prepare_day
from revisit.sales.models import Item
from tests.factories import make_order
from tests.outreach.conftest import DAY, at, graded

pytestmark = pytest.mark.django_db


def test_an_injection_schedules_revisits_on_days_1_7_and_30_once(clinic):
    customer = graded(clinic, "B4", 1)[0]
    injection = Item.objects.create(
        organization=clinic["org"], code="IJ", name="玻尿酸", category="注射"
    )
    skin = Item.objects.create(organization=clinic["org"], code="SK", name="面膜", category="产品")
    make_order(customer, "4800", on=DAY, item=injection)
    make_order(customer, "198", on=DAY, item=skin)  # no cadence for products
    assert schedule_treatment_revisits(clinic["org"], day=DAY) == 3
    assert schedule_treatment_revisits(clinic["org"], day=DAY) == 0
    due = sorted(ScheduledContact.objects.values_list("due_on", flat=True))
    assert due == [DAY + timedelta(days=d) for d in (1, 7, 30)]
    # A week later only what is still ahead would be scheduled; nothing is doubled.
    assert schedule_treatment_revisits(clinic["org"], day=DAY + timedelta(days=7)) == 0


def test_the_daily_tick_twice_does_nothing_twice(clinic):
    graded(clinic, "A1", 2, owner=clinic["consultant"])
    graded(clinic, "B2", 2)
    with time_machine.travel(at(DAY, 8), tick=False):
        first = prepare_day(clinic["org"].pk)
        second = prepare_day(clinic["org"].pk)
    assert first["created"] == 4 and second == {
        "revisits": 0,
        "reinvited": 0,
        "created": 0,
        "carried_over": 0,
    }
    assert CallTask.objects.filter(due_date=DAY).count() == 4
