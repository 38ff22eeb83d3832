"""The demo organization: structure, logins per role, realistic and deterministic data."""

import hashlib
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from revisit.core.access import visible_customers
from revisit.core.models import Organization, Role, Staff
from revisit.customers.models import Customer
from revisit.customers.phones import normalize_phone
from revisit.demo import DEMO_PASSWORD, build_demo, ensure_demo
from revisit.grading.services import run_inventory
from revisit.sales.models import Order, OrderLine
from tests.factories import log_in

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def fingerprint(org: Organization) -> str:
    lines = OrderLine.objects.filter(organization=org).order_by("order__order_no", "line_no")
    text = (
        "|".join(
            f"{c}:{n}:{m}"
            for c, n, m in Customer.objects.filter(organization=org)
            .order_by("code")
            .values_list("code", "name", "mobile")
        )
        + "#"
        + "|".join(
            f"{o}:{d}:{a}"
            for o, d, a in lines.values_list("order__order_no", "order_date", "amount")
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_structure_and_one_working_login_per_role(client):
    org = build_demo(customers=300, as_of=AS_OF).organization
    assert org.stores.count() == 3 and org.regions.count() == 2
    roles = set(
        Staff.objects.filter(organization=org).values_list("role_assignments__role", flat=True)
    )
    assert roles == {r.value for r in Role}
    for role in [Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER, Role.CONSULTANT]:
        member = Staff.objects.filter(organization=org, role_assignments__role=role).first()
        assert log_in(client, member.username, DEMO_PASSWORD)
        assert visible_customers(member).exists()
    admin = Staff.objects.get(username="admin")
    assert visible_customers(admin).count() == 300 and admin.is_staff


def test_the_data_is_realistic():
    org = build_demo(customers=600, as_of=AS_OF).organization
    lines = OrderLine.objects.filter(organization=org)
    assert lines.filter(amount__lt=0).exists()  # refunds
    assert lines.filter(is_promo=True).exists()
    span = lines.aggregate(first=Min("order_date"), last=Max("order_date"))
    assert span["last"] <= AS_OF and (AS_OF - span["first"]).days > 2 * 365
    assert not lines.exclude(order_date=F("order__order_date")).exists()
    assert not lines.exclude(customer=F("order__customer")).exists()
    assert all(
        a == a.quantize(Decimal("0.01")) for a in lines.values_list("amount", flat=True)[:500]
    )
    mobiles = list(Customer.objects.filter(organization=org).values_list("mobile", flat=True))
    assert len(set(mobiles)) == len(mobiles)
    assert all(normalize_phone(m) == m for m in mobiles[:200])
    # Heavy tail: the top 20 % of customers bring most of the revenue.
    spend = sorted(
        (r["total"] for r in lines.values("customer").annotate(total=Sum("amount"))), reverse=True
    )
    assert sum(spend[: len(spend) // 5]) > Decimal("0.5") * sum(spend)
    # Prospects who never paid exist too.
    assert (
        Customer.objects.filter(organization=org).annotate(n=Count("orders")).filter(n=0).exists()
    )


def test_same_seed_same_data_other_seed_other_data():
    a = fingerprint(build_demo(customers=200, seed=1, as_of=AS_OF).organization)
    b = fingerprint(build_demo(customers=200, seed=1, as_of=AS_OF, replace=True).organization)
    c = fingerprint(build_demo(customers=200, seed=2, as_of=AS_OF, replace=True).organization)
    assert a == b != c
    assert Organization.objects.count() == 1


def test_inventory_of_the_demo_fills_all_eight_segments_and_moves_over_six_months():
    # 1,000 customers already fill every segment (the smallest, B3, holds 6).
    org = build_demo(customers=1000, as_of=AS_OF).organization
    now = run_inventory(org, as_of=AS_OF)
    assert all(
        now.segment_counts.get(code, 0) > 0
        for code in ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"]
    )
    earlier = run_inventory(org, as_of=date(2025, 12, 31))
    assert earlier.segment_counts != now.segment_counts


def test_running_twice_refuses_and_if_empty_skips():
    build_demo(customers=50, as_of=AS_OF)
    with pytest.raises(CommandError, match="--replace"):
        call_command("demo", "--customers", "50", stdout=StringIO())
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "skipped" in out.getvalue()
    assert Order.objects.values("organization").distinct().count() == 1
    assert ensure_demo() is None


def test_command_prints_the_logins():
    out = StringIO()
    call_command("demo", "--customers", "40", "--as-of", "2026-06-30", stdout=out)
    text = out.getvalue()
    for username in ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1"]:
        assert username in text
    assert DEMO_PASSWORD in text


def test_the_demo_opens_with_two_inventories_last_visits_and_todays_call_lists():
    from revisit.grading.models import Inventory
    from revisit.outreach.models import CallTask

    today = timezone.localdate()
    org = build_demo(customers=800, as_of=today).organization
    inventories = list(Inventory.objects.filter(organization=org).order_by("as_of"))
    assert [i.as_of for i in inventories] == [date.fromordinal(today.toordinal() - 91), today]
    paid = OrderLine.objects.filter(organization=org, amount__gt=0)
    latest = dict(paid.values_list("customer_id").annotate(day=Max("order_date")))
    customers = Customer.objects.filter(organization=org)
    assert dict(customers.exclude(last_visit=None).values_list("pk", "last_visit")) == latest
    assert CallTask.objects.filter(organization=org, due_date=today).count() > 0
