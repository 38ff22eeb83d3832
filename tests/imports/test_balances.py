"""Importing opening balances from another system: all rows or none, every rejected row
with its row, column and reason, and the same balances twice posted once."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from revisit.core.models import AuditEvent, Role
from revisit.imports.models import ImportRun
from revisit.imports.services import ImportFileError, import_balances, preview
from revisit.sales.models import Item
from revisit.wallet.models import Account, Entry, EntryKind
from tests.factories import make_customer, make_staff, make_store
from tests.imports.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

ZH = ["客户编号", "类型", "余额/次数", "有效期至", "卡号", "项目", "单次价值"]
EN = ["customer_code", "kind", "balance", "expires_on", "card_number", "item", "unit_value"]
GOOD = [
    ["B001", "积分", "1200", "", "", "", ""],
    ["B001", "储值", "￥5,000.00", "", "", "", ""],
    ["B002", "美丽金", "300", "2027-06-30", "", "", ""],
    ["B002", "疗程卡", "6次", "2027/12/31", "LC-0001", "光子嫩肤", "198"],
    ["B003", "体验卡", "500", "", "GC-01", "", ""],
    ["B003", "亲情卡", "1000", "", "FC-01", "", ""],
]


@pytest.fixture
def shop(clinic):
    org = clinic["org"]
    Item.objects.create(organization=org, code="SK01", name="光子嫩肤", category="皮肤美容")
    for code in ("B001", "B002", "B003"):
        make_customer(org, code, name=f"客{code}", home_store=clinic["store"])
    return clinic


def ledger_total(org) -> Decimal:
    return Entry.objects.filter(organization=org).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def test_a_good_file_opens_each_account_with_an_import_entry(shop, tmp_path):
    org = shop["org"]
    report = import_balances(org, write_csv(tmp_path / "b.csv", [ZH, *GOOD]))
    assert (report.read, report.imported, report.rejected, report.refused) == (6, 6, 0, False)
    accounts = {(a.customer.code, a.kind): a for a in Account.objects.filter(organization=org)}
    assert len(accounts) == 6
    assert accounts[("B001", "points")].balance == 1200
    assert accounts[("B001", "stored_value")].balance == Decimal("5000.00")
    card = accounts[("B002", "course_card")]
    assert (card.balance, card.card_number, card.unit_value, card.expires_on) == (
        6,
        "LC-0001",
        Decimal("198.00"),
        date(2027, 12, 31),
    )
    assert card.item.name == "光子嫩肤" and card.item_category == "皮肤美容"
    assert card.store == shop["store"]
    assert accounts[("B002", "credit")].entries.get().expires_on == date(2027, 6, 30)
    assert accounts[("B003", "family_card")].balance == 1000
    entries = Entry.objects.filter(organization=org)
    assert {e.kind for e in entries} == {EntryKind.IMPORT}
    for account in accounts.values():
        assert account.balance == account.entries.aggregate(s=Sum("amount"))["s"]
    assert AuditEvent.objects.filter(action="wallet.import").count() == 6
    assert AuditEvent.objects.filter(action="import.balances").count() == 1
    assert ImportRun.objects.get(kind="balances").status == ImportRun.Status.DONE


def test_importing_the_same_balances_again_changes_nothing(shop, tmp_path):
    org = shop["org"]
    path = write_csv(tmp_path / "b.csv", [ZH, *GOOD])
    import_balances(org, path)
    total, count = ledger_total(org), Entry.objects.count()
    again = import_balances(org, path)
    assert (again.imported, again.duplicates, again.rejected) == (0, 6, 0)
    # Another file that repeats an account with the same balance, plus a new one.
    second = write_csv(
        tmp_path / "more.csv", [EN, GOOD[0], ["B002", "points", "80", "", "", "", ""]]
    )
    more = import_balances(org, second)
    assert (more.imported, more.duplicates) == (1, 1)
    assert ledger_total(org) == total + 80 and Entry.objects.count() == count + 1


def test_a_different_opening_for_an_imported_account_is_rejected(shop, tmp_path):
    org = shop["org"]
    import_balances(org, write_csv(tmp_path / "b.csv", [ZH, *GOOD]))
    changed = write_csv(tmp_path / "c.csv", [ZH, ["B001", "积分", "1500", "", "", "", ""]])
    report = import_balances(org, changed)
    assert report.refused and report.rejections[0].column == "balance"
    assert "1200" in report.rejections[0].reason
    assert Account.objects.get(customer__code="B001", kind="points").balance == 1200


BAD = [
    ["B001", "积分", "100", "", "", "", ""],  # 2: good, but the file is refused
    ["NOPE", "积分", "100", "", "", "", ""],  # 3: unknown customer
    ["B001", "金币", "100", "", "", "", ""],  # 4: unknown kind
    ["B002", "储值", "-5", "", "", "", ""],  # 5: negative
    ["B002", "美丽金", "很多", "", "", "", ""],  # 6: not a number
    ["B002", "疗程卡", "2.5", "", "LC-9", "", ""],  # 7: fractional sessions
    ["B003", "体验卡", "100", "明年", "GC-9", "", ""],  # 8: bad date
    ["B003", "亲情卡", "100", "", "GC-9", "", ""],  # 9: card number twice in the file
    ["B003", "疗程卡", "3", "", "TAKEN-1", "", ""],  # 10: card number in use in the org
    ["B003", "疗程卡", "3", "", "LC-10", "不存在的项目", ""],  # 11: unknown item
    ["B003", "疗程卡", "3", "", "LC-11", "", "abc"],  # 12: bad unit value
    ["B001", "积分", "50", "", "", "", ""],  # 13: the same balance twice in the file
]


def test_bad_rows_are_each_reported_and_nothing_is_written(shop, tmp_path):
    org = shop["org"]
    holder = make_customer(org, "B999", home_store=shop["store"])
    Account.objects.create(
        organization=org,
        customer=holder,
        kind="gift_card",
        card_number="TAKEN-1",
        opened_at="2025-01-01T00:00Z",
    )
    before = (Account.objects.count(), Entry.objects.count())
    report = import_balances(org, write_csv(tmp_path / "bad.csv", [ZH, *BAD]))
    assert report.refused and report.imported == 0
    where = {(r.row, r.column) for r in report.rejections}
    assert where == {
        (3, "customer_code"),
        (4, "kind"),
        (5, "balance"),
        (6, "balance"),
        (7, "balance"),
        (8, "expires_on"),
        (9, "card_number"),
        (10, "card_number"),
        (11, "item"),
        (12, "unit_value"),
        (13, "kind"),
    }
    assert all(r.reason for r in report.rejections)
    assert (Account.objects.count(), Entry.objects.count()) == before
    run = ImportRun.objects.get(kind="balances")
    assert run.status == ImportRun.Status.FAILED and run.rejected == 11
    assert run.rejects_path


def test_the_command_imports_and_refuses_a_bad_file(shop, tmp_path):
    out = StringIO()
    call_command("import", "balances", str(write_csv(tmp_path / "b.csv", [ZH, *GOOD])), stdout=out)
    assert "6" in out.getvalue()
    assert Account.objects.count() == 6
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import", "balances", str(write_csv(tmp_path / "x.csv", [ZH, *BAD])), stdout=out
        )
    assert Account.objects.count() == 6


def test_gbk_and_xlsx_files_with_english_or_chinese_headers(shop, tmp_path):
    org = shop["org"]
    report = import_balances(org, write_csv(tmp_path / "gbk.csv", [ZH, *GOOD[:2]], "gbk"))
    assert report.imported == 2
    book = write_xlsx(tmp_path / "b.xlsx", [EN, *GOOD[2:]])
    report = import_balances(org, book)
    assert (report.imported, report.rejected) == (4, 0), report.rejections
    card = Account.objects.get(card_number="LC-0001")
    assert card.balance == 6 and card.expires_on == date(2027, 12, 31)


def test_xlsx_numbers_and_dates_as_cells(shop, tmp_path):
    import datetime

    import xlsxwriter

    path = tmp_path / "typed.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ZH)
    sheet.write_row(1, 0, ["B001", "疗程卡", 8, None, "LC-77", "光子嫩肤", 150.5])
    sheet.write_datetime(
        1, 3, datetime.datetime(2027, 3, 1), book.add_format({"num_format": "yyyy-mm-dd"})
    )
    book.close()
    report = import_balances(shop["org"], path)
    assert (report.imported, report.rejected) == (1, 0), report.rejections
    card = Account.objects.get(card_number="LC-77")
    assert (card.balance, card.unit_value, card.expires_on) == (
        8,
        Decimal("150.50"),
        date(2027, 3, 1),
    )


def test_a_store_manager_imports_only_for_her_customers_and_learns_nothing_else(shop, tmp_path):
    org = shop["org"]
    elsewhere = make_store(org, "SZ01")
    make_customer(org, "OTHER", home_store=elsewhere)
    manager = make_staff(org, Role.STORE_MANAGER, store=shop["store"])
    rows = [ZH, ["OTHER", "积分", "10", "", "", "", ""], ["GHOST", "积分", "10", "", "", "", ""]]
    report = import_balances(org, write_csv(tmp_path / "s.csv", rows), actor=manager)
    reasons = {r.row: r.reason for r in report.rejections}
    assert set(reasons) == {2, 3} and len(set(reasons.values())) == 1
    assert not Account.objects.exists()
    ok = import_balances(org, write_csv(tmp_path / "ok.csv", [ZH, GOOD[0]]), actor=manager)
    assert ok.imported == 1
    assert Account.objects.get().store == shop["store"]
    run = ImportRun.objects.filter(kind="balances").latest("started_at")
    assert run.store == shop["store"] and run.actor == manager


def test_the_preview_lists_the_rejections_and_writes_nothing(shop, tmp_path):
    shown = preview(
        write_csv(tmp_path / "p.csv", [ZH, *BAD]),
        "balances",
        organization=shop["org"],
    )
    assert shown["columns"]["余额/次数"] == "balance"
    assert shown["rejected"] == 10 and 3 in shown["problems"]  # TAKEN-1 is free here
    assert not Account.objects.exists()


def test_a_file_without_the_kind_column_is_refused(shop, tmp_path):
    with pytest.raises(ImportFileError, match="类型"):
        import_balances(
            shop["org"], write_csv(tmp_path / "x.csv", [["客户编号", "余额"], ["B001", "5"]])
        )


@pytest.mark.parametrize(
    "content",
    [b"\x00" * 5000, "客户编号,类型,余额\nB001,积分,1\x00\n".encode(), b"\xff\xfe\x00garbage"],
)
def test_hostile_files_end_in_a_clear_message_or_a_rejected_row(shop, tmp_path, content):
    path = tmp_path / "h.csv"
    path.write_bytes(content)
    try:
        report = import_balances(shop["org"], path)
    except ImportFileError as exc:
        assert str(exc)
    else:
        assert report.imported <= 1


def test_a_huge_file_is_refused_before_it_is_read(shop, tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", [ZH, *(GOOD * 50)])
    with pytest.raises(ImportFileError):
        import_balances(shop["org"], path)
    assert not Account.objects.exists()


def test_a_row_in_another_encoding_refuses_the_whole_file(shop, tmp_path):
    path = tmp_path / "mixed.csv"
    good = "客户编号,类型,余额\nB001,积分,100\n".encode()
    path.write_bytes(good + "B002,储值,200\n".encode("gbk") + b"B003,\xe7\xa7\xaf\xe5\x88\x86,5\n")
    report = import_balances(shop["org"], path)
    # The reader rejects the GBK row of a UTF-8 file, and so nothing goes in.
    assert [r.row for r in report.rejections] == [3]
    assert report.refused and not Account.objects.exists()


def test_a_dry_run_checks_and_writes_nothing(shop, tmp_path):
    out = StringIO()
    path = write_csv(tmp_path / "b.csv", [ZH, *GOOD])
    call_command("import", "balances", str(path), "--dry-run", stdout=out)
    assert not Account.objects.exists() and not Entry.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.DRY_RUN


def test_a_card_number_taken_between_the_check_and_the_write_refuses_the_file(
    shop, tmp_path, monkeypatch
):
    from revisit.imports import balance_rows

    org = shop["org"]
    checked = balance_rows.plan_balances

    def plan_then_race(scope, frame, report, *, store):
        plan = checked(scope, frame, report, store=store)
        holder = make_customer(org, "RACE", home_store=shop["store"])
        Account.objects.create(
            organization=org,
            customer=holder,
            kind="course_card",
            card_number="LC-0001",
            opened_at="2025-01-01T00:00Z",
        )
        return plan

    monkeypatch.setitem(
        __import__("revisit.imports.services", fromlist=["PLANNERS"]).PLANNERS,
        "balances",
        plan_then_race,
    )
    with pytest.raises(ImportFileError):
        import_balances(org, write_csv(tmp_path / "b.csv", [ZH, *GOOD]))
    assert not Entry.objects.exists()
    assert Account.objects.count() == 1  # only the racing card
