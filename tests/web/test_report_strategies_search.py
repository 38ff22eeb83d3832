"""Daily report figures, strategy editing, and customer search and filters."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from revisit.core.clock import local_date
from revisit.core.models import AuditEvent
from revisit.grading.models import Inventory
from revisit.outreach.followups import record_followup
from revisit.outreach.models import CallTask, Strategy
from revisit.sales.models import Order, OrderLine

pytestmark = pytest.mark.django_db


def test_daily_report_counts_a_days_calls_per_person_and_store(client, demo):
    consultant = demo["consultant1"]
    today = local_date(demo["org"])
    tasks = list(CallTask.objects.filter(assignee=consultant, status="open", due_date=today)[:3])
    for task in tasks[:2]:
        record_followup(task, actor=consultant, channel="call", outcome="valid_2")
    record_followup(tasks[2], actor=consultant, channel="call", outcome="invalid_1")
    client.force_login(demo["manager1"])
    response = client.get("/reports/daily/", {"day": today.isoformat()})
    row = next(r for r in response.context["people"] if r["staff_id"] == consultant.pk)
    assert (row["calls"], row["reached"], row["valid_2"], row["invalid_1"]) == (3, 2, 2, 1)
    store = next(s for s in response.context["stores"] if s["store"] == row["store"])
    assert store["calls"] >= 3
    # Another store's manager does not see this consultant.
    client.force_login(demo["manager2"])
    other = client.get("/reports/daily/", {"day": today.isoformat()}).context["people"]
    assert consultant.pk not in {r["staff_id"] for r in other}


def test_daily_report_defaults_to_yesterday_and_lists_orders_with_segments(client, demo):
    client.force_login(demo["admin"])
    response = client.get("/reports/daily/")
    assert response.context["day"] == local_date(demo["org"]) - timedelta(days=1)
    last_day = Order.objects.filter(organization=demo["org"]).latest("order_date").order_date
    sales = client.get("/reports/daily/", {"day": last_day.isoformat()}).context["sales"]
    day_total = OrderLine.objects.filter(organization=demo["org"], order_date=last_day).aggregate(
        total=Sum("amount")
    )["total"]
    assert sales and all(r["segment"] for r in sales)
    assert sum(r["amount"] for r in sales) == day_total


def test_the_admin_edits_a_strategy_and_store_managers_and_supervisors_cannot(client, demo):
    # Strategies are the organization's: a store manager no longer changes them.
    strategy = Strategy.objects.filter(organization=demo["org"]).first()
    client.force_login(demo["admin"])
    form = client.get(f"/strategies/{strategy.pk}/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(offer="到店送补水护理一次", is_worked="on")
    for reader in ("supervisor", "manager1"):
        client.force_login(demo[reader])
        page = client.get(f"/strategies/{strategy.pk}/")
        assert page.status_code == 200 and b"<textarea" not in page.content
        assert client.post(f"/strategies/{strategy.pk}/", data).status_code == 403
    client.force_login(demo["admin"])
    assert client.post(f"/strategies/{strategy.pk}/", data).status_code == 302
    strategy.refresh_from_db()
    assert strategy.offer == "到店送补水护理一次"
    changed = AuditEvent.objects.get(action="strategy.edit").data["changed"]
    assert list(changed) == ["offer"]


def test_a_cadence_with_bad_days_is_refused(client, demo):
    from revisit.outreach.models import Cadence

    cadence = Cadence.objects.filter(organization=demo["org"]).first()
    client.force_login(demo["admin"])
    response = client.post(
        f"/settings/cadences/{cadence.pk}/",
        {"name": cadence.name, "kind": cadence.kind, "start_months": 0, "days_text": "1, x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["days_text"]
    client.post(
        f"/settings/cadences/{cadence.pk}/",
        {"name": cadence.name, "kind": cadence.kind, "start_months": 0, "days_text": "5,1,3"},
    )
    cadence.refresh_from_db()
    assert cadence.days == [1, 3, 5]


def search(client, **params):
    return [c.code for c in client.get("/customers/", params).context["customers"]]


def test_search_by_last_four_digits_name_prefix_code_and_whole_phone(client, demo):
    from revisit.customers.models import Customer

    client.force_login(demo["admin"])
    c = Customer.objects.filter(organization=demo["org"]).exclude(mobile="").order_by("?")[0]
    assert c.code in search(client, q=c.mobile[-4:])
    assert c.code in search(client, q=c.mobile.removeprefix("+86"))
    assert search(client, q=c.code) == [c.code]
    assert c.code in search(client, q=c.name[:1])
    assert all(
        code in Customer.objects.filter(name__startswith=c.name[:1]).values_list("code", flat=True)
        for code in search(client, q=c.name[:1])
    )


def test_filters_by_segment_tier_store_and_last_visit(client, demo):
    from revisit.customers.models import Customer

    client.force_login(demo["admin"])
    latest = Inventory.objects.filter(organization=demo["org"]).latest("as_of")
    a1 = set(latest.grades.filter(segment="A1").values_list("customer__code", flat=True))
    shown = set(search(client, segment="A1"))
    assert shown and shown <= a1
    since = local_date(demo["org"]) - timedelta(days=60)
    recent = search(client, visited_after=since.isoformat())
    assert recent and all(
        Customer.objects.get(organization=demo["org"], code=code).last_visit >= since
        for code in recent
    )
    store = demo["org"].stores.first()
    assert all(
        Customer.objects.get(organization=demo["org"], code=code).home_store_id == store.pk
        for code in search(client, store=store.pk)
    )
    bad = client.get("/customers/", {"visited_after": "2025-05-01", "visited_before": "2025-01-01"})
    assert bad.context["customers"] == [] and bad.context["form"].errors
