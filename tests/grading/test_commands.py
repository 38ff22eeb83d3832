"""`revisit inventory run|export|compare` on a small organization."""

import csv
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from revisit.core.models import AuditEvent
from revisit.grading.models import Inventory
from tests.factories import make_customer, make_order, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    org = make_org("clinic")
    for i, (amount, day) in enumerate(
        [("50000", date(2024, 6, 1)), ("800", date(2024, 6, 20)), ("12000", date(2023, 1, 5))]
    ):
        make_order(
            make_customer(org, f"K{i}", name='=HYPERLINK("x")' if i == 2 else f"客{i}"),
            amount,
            on=day,
        )
    return org


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_run_prints_the_segment_table(org):
    out = run("inventory", "run", "--as-of", "2024-06-30")
    assert "A1" in out and "重要价值" in out and "B4" in out
    assert Inventory.objects.get(organization=org).customer_count == 3


def test_run_refuses_bad_input_with_a_clear_message(org):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("inventory", "run", "--as-of", "30/06/2024")
    with pytest.raises(CommandError, match="quantile"):
        call_command("inventory", "run", "--as-of", "2024-06-30", "--thresholds", "avg")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_writes_one_row_per_customer_escaped_and_audited(org, tmp_path, suffix):
    run("inventory", "run", "--as-of", "2024-06-30")
    path = tmp_path / f"grades{suffix}"
    run("inventory", "export", "latest", "--out", str(path))
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    else:
        sheet = load_workbook(path).active
        values = list(sheet.values)
        rows = [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    assert [r["customer_code"] for r in rows] == ["K0", "K1", "K2"]
    for column in ["customer_code", "recency_days", "frequency", "monetary", "segment", "tier"]:
        assert column in rows[0]
    assert rows[2]["name"].startswith("'=")  # a formula is text, not run
    assert float(rows[0]["monetary"]) == 50000
    assert AuditEvent.objects.get(action="inventory.export").data["rows"] == 3


def test_compare_prints_the_migration_matrix(org):
    run("inventory", "run", "--as-of", "2023-12-31")
    run("inventory", "run", "--as-of", "2024-06-30")
    first, second = Inventory.objects.order_by("as_of")
    out = run("inventory", "compare", str(first.pk), str(second.pk))
    assert "from" in out and "none" in out
    with pytest.raises(CommandError):
        call_command("inventory", "compare", str(first.pk), "999999")


def test_a_what_if_run_is_a_draft_until_published_from_the_command_line(org):
    out = run("inventory", "run", "--as-of", "2024-06-30", "--thresholds", "median")
    draft = Inventory.objects.get()
    assert draft.status == "draft" and "[draft]" in out
    assert "draft" in run("inventory", "list")
    with pytest.raises(CommandError):
        run("inventory", "export", "latest", "--out", "x.csv")  # nothing published yet
    assert f"#{draft.pk}" in run("inventory", "publish", str(draft.pk))
    draft.refresh_from_db()
    assert draft.status == "published"
    with pytest.raises(CommandError, match="已发布|already"):
        run("inventory", "publish", str(draft.pk))
    with pytest.raises(CommandError):
        run("inventory", "publish", "99999999999999999999999")
    run("inventory", "run", "--as-of", "2024-07-31", "--draft")
    run("inventory", "run", "--as-of", "2024-07-31", "--thresholds", "median", "--publish")
    assert list(Inventory.objects.order_by("pk").values_list("status", flat=True)) == [
        "published",
        "draft",
        "published",
    ]
