"""The liability report per store: its totals are the ledger's sums on the demo (which now
has points, stored value, credit, course cards, gift and family cards in its history),
each role reads only its stores, and the xlsx download is formula-safe and audited."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from revisit.core.clock import local_date
from revisit.core.models import AuditEvent, Store
from revisit.wallet.liability import liability, next_month
from revisit.wallet.models import WHOLE_UNIT_KINDS, Account, AccountKind, Entry

pytestmark = pytest.mark.django_db


def ledger_sum(org, kind) -> Decimal:
    total = Entry.objects.filter(organization=org, account__kind=kind).aggregate(s=Sum("amount"))
    return total["s"] or Decimal(0)


def test_the_demo_wallets_keep_the_ledger_rules(demo):
    org = demo["org"]
    kinds = set(Account.objects.filter(organization=org).values_list("kind", flat=True))
    assert kinds == set(AccountKind.values)
    sums = dict(
        Entry.objects.filter(organization=org)
        .values("account")
        .annotate(s=Sum("amount"))
        .values_list("account", "s")
    )
    for account in Account.objects.filter(organization=org):
        assert account.balance == sums.get(account.pk, 0) >= 0
        if account.kind in WHOLE_UNIT_KINDS:
            assert account.balance == account.balance.to_integral_value()
    # balance_after runs on from one entry to the next.
    for account in Account.objects.filter(organization=org, kind=AccountKind.COURSE_CARD)[:20]:
        running = Decimal(0)
        for entry in account.entries.order_by("created_at", "pk"):
            running += entry.amount
            assert entry.balance_after == running


def test_the_report_totals_are_the_ledger_sums_on_the_demo(client, demo):
    org = demo["org"]
    client.force_login(demo["admin"])
    response = client.get("/reports/liability/")
    assert response.status_code == 200
    report = response.context["report"]
    total = report.total
    assert total.stored_value == ledger_sum(org, AccountKind.STORED_VALUE) > 0
    assert total.credit == ledger_sum(org, AccountKind.CREDIT) > 0
    assert total.points == ledger_sum(org, AccountKind.POINTS) > 0
    assert total.sessions == ledger_sum(org, AccountKind.COURSE_CARD) > 0
    assert total.gift_card == ledger_sum(org, AccountKind.GIFT_CARD) > 0
    assert total.family_card == ledger_sum(org, AccountKind.FAMILY_CARD) > 0
    assert total.points_value == (total.points * report.yuan_per_point).quantize(Decimal("0.01"))
    value = ExpressionWrapper(
        F("balance") * F("unit_value"), output_field=DecimalField(max_digits=20, decimal_places=2)
    )
    sessions_value = Account.objects.filter(
        organization=org, kind=AccountKind.COURSE_CARD
    ).aggregate(s=Sum(value))["s"]
    assert abs(total.sessions_value - sessions_value) < Decimal("0.05")
    # Every store has a row; the rows add up to the total.
    assert {r.store for r in report.rows} >= set(
        Store.objects.filter(organization=org).values_list("name", flat=True)
    )
    assert sum(r.stored_value for r in report.rows) == total.stored_value
    page = response.content.decode()
    assert 'id="liability-total"' in page


def test_what_expires_next_month_is_counted(demo):
    org = demo["org"]
    today = local_date(org)
    first, last = next_month(today)
    report = liability(org, stores=Store.objects.filter(organization=org), today=today)
    expiring = Account.objects.filter(
        organization=org, kind=AccountKind.COURSE_CARD, expires_on__range=(first, last)
    ).aggregate(s=Sum("balance"))["s"] or Decimal(0)
    assert report.total.expiring_sessions == expiring
    assert report.total.expiring_value >= 0


def test_a_store_manager_reads_her_store_only(client, demo):
    org = demo["org"]
    manager = demo["manager1"]
    client.force_login(manager)
    mine = Store.objects.get(organization=org, code="SH01")
    other = Store.objects.get(organization=org, code="SZ01")
    report = client.get("/reports/liability/").context["report"]
    assert [r.store_id for r in report.rows] == [mine.pk]
    assert client.get("/reports/liability/", {"store": mine.pk}).status_code == 200
    assert client.get("/reports/liability/", {"store": other.pk}).status_code == 404
    assert client.get("/reports/liability/", {"store": "abc"}).status_code == 404
    assert client.get("/reports/liability/", {"store": "9" * 30}).status_code == 404
    client.force_login(demo["supervisor"])  # 华东区: SH01 and HZ01
    rows = client.get("/reports/liability/").context["report"].rows
    assert {r.store_id for r in rows} == set(
        Store.objects.filter(organization=org, region__code="EAST").values_list("pk", flat=True)
    )
    assert client.get("/reports/liability/", {"store": other.pk}).status_code == 404


@pytest.mark.parametrize("username", ["consultant1", "caller1", "doctor1", "desk1"])
def test_other_roles_are_refused(client, demo, username):
    client.force_login(demo[username])
    assert client.get("/reports/liability/").status_code == 403


def test_another_organizations_store_is_missing(client, demo):
    from tests.factories import make_org, make_store

    stranger = make_store(make_org(), "X1")
    client.force_login(demo["admin"])
    assert client.get("/reports/liability/", {"store": stranger.pk}).status_code == 404


def test_the_download_is_formula_safe_and_audited(client, demo):
    org = demo["org"]
    store = Store.objects.get(organization=org, code="SH01")
    store.name = '=HYPERLINK("http://x")'
    store.save()
    client.force_login(demo["manager1"])
    response = client.get("/reports/liability/", {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert len(rows) == 3  # header, her store, total
    event = AuditEvent.objects.get(action="export", actor=demo["manager1"])
    assert event.data["table"] == "liability" and event.data["rows"] == 2
