"""Default strategies, the upgrade price rule, and the daily figures per staff member."""

from datetime import timedelta
from decimal import Decimal

import pytest

from revisit.appointments.services import mark_arrived
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.figures import daily_figures
from revisit.outreach.followups import record_followup
from revisit.outreach.models import Strategy
from revisit.outreach.strategies import install_default_strategies, upgrade_price
from tests.factories import make_order
from tests.outreach.conftest import DAY, at, graded

pytestmark = pytest.mark.django_db


def test_upgrade_price_is_80_percent_of_this_months_price_minus_the_stored_item():
    assert upgrade_price(Decimal("1980"), Decimal("980")) == Decimal("604.00")
    assert upgrade_price(Decimal("1980"), Decimal("980"), Decimal("0.9")) == Decimal("802.00")
    assert upgrade_price(Decimal("500"), Decimal("980")) == Decimal("0.00")


def test_default_strategies_cover_every_segment_and_keep_edits(clinic):
    org = clinic["org"]
    targets = set(Strategy.objects.filter(organization=org).values_list("target", flat=True))
    assert targets == {"SVIP", "A", "B", "C", "A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"}
    assert not Strategy.objects.get(organization=org, target="B4").is_worked
    # The A/B/C tier strategies wait until the organization works by tier.
    assert not Strategy.objects.filter(organization=org, target__in=["A", "B", "C"], is_worked=True)
    assert Strategy.objects.get(organization=org, target="A1").department == "onsite"
    assert Strategy.objects.get(organization=org, target="B1").upgrade_discount == Decimal("0.80")
    Strategy.objects.filter(organization=org, target="A1").update(name="自定义")
    assert install_default_strategies(org) == 0
    assert Strategy.objects.get(organization=org, target="A1").name == "自定义"


def test_daily_figures_per_staff_member(clinic):
    consultant = clinic["consultant"]
    customers = graded(clinic, "A1", 4, owner=consultant)
    generate_call_lists(clinic["org"], date=DAY)
    tasks = {t.customer_id: t for t in consultant.call_tasks.all()}
    tomorrow = at(DAY + timedelta(days=1), 15)
    outcomes = [
        ("valid_1", {"appointment_at": tomorrow}),
        ("valid_2", {}),
        ("invalid_1", {}),
        ("valid_3", {"decline_reason": "price"}),
    ]
    for customer, (outcome, extra) in zip(customers, outcomes, strict=True):
        record_followup(
            tasks[customer.pk],
            actor=consultant,
            channel="call",
            outcome=outcome,
            now=at(DAY, 11),
            **extra,
        )
    make_order(customers[1], "2980", on=DAY, store=clinic["store"])
    make_order(graded(clinic, "A1", 1)[0], "999", on=DAY)  # not contacted by her
    row = next(r for r in daily_figures(clinic["org"], DAY) if r["staff_id"] == consultant.pk)
    assert (row["calls"], row["quota"], row["reached"]) == (4, 30, 3)
    assert (row["valid_1"], row["valid_2"], row["valid_3"], row["invalid_1"]) == (1, 1, 1, 1)
    assert (row["appointments_next_day"], row["appointment_target"]) == (1, 3)
    assert (row["orders"], row["amount"]) == (1, Decimal("2980"))
    # The next day the customer arrives and buys: the arrival counts that day.
    appointment = customers[0].appointments.get()
    order = make_order(customers[0], "1280", on=DAY + timedelta(days=1), store=clinic["store"])
    mark_arrived(appointment, actor=consultant, now=at(DAY + timedelta(days=1), 15))
    assert list(appointment.orders.all()) == [order]
    next_day = next(
        r
        for r in daily_figures(clinic["org"], DAY + timedelta(days=1))
        if r["staff_id"] == consultant.pk
    )
    assert next_day["arrivals"] == 1 and next_day["orders"] == 1
