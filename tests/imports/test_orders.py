"""Importing order lines from real files."""

from datetime import date
from decimal import Decimal

import pytest

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.imports.services import ImportFileError, import_orders
from revisit.sales.models import Item, Order, OrderLine
from tests.factories import make_customer, make_staff
from tests.imports.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

ZH = ["收费单号", "客户编号", "收费日期", "项目", "项目类别", "数量", "实收金额", "咨询师", "医生"]


def lines(org):
    return list(OrderLine.objects.filter(organization=org).order_by("order__order_no", "line_no"))


def test_orders_with_every_date_and_amount_form(clinic, tmp_path):
    make_customer(clinic["org"], "K001")
    rows = [
        ZH,
        ["A1", "K001", "2024-05-01", "光子嫩肤", "皮肤", "1", "¥1,280.50", "陈咨询", "唐医生"],
        ["A1", "K001", "2024-05-01", "水光针", "皮肤", "2", "１９６０", "陈咨询", ""],
        ["A2", "K001", "2024/5/2", "玻尿酸", "注射", "", "4800元", "", ""],
        ["A3", "K001", "20240503", "光子嫩肤", "", "1", "-1,280.50", "", ""],
        ["A4", "K001", "2024年5月4日", "光子嫩肤", "", "1", "100", "", ""],
        ["A5", "K001", "2024.5.5", "光子嫩肤", "", "1", "100", "", ""],
        ["A6", "K001", "45418", "光子嫩肤", "", "1", "100", "", ""],
    ]
    report = import_orders(clinic["org"], write_csv(tmp_path / "o.csv", rows, "gb18030"))
    assert (report.read, report.imported, report.rejected) == (7, 7, 0)
    got = lines(clinic["org"])
    assert [(ln.order.order_no, ln.line_no) for ln in got[:2]] == [("A1", 1), ("A1", 2)]
    assert [ln.amount for ln in got] == [
        Decimal("1280.50"),
        Decimal("1960.00"),
        Decimal("4800.00"),
        Decimal("-1280.50"),
        Decimal("100"),
        Decimal("100"),
        Decimal("100"),
    ]
    assert [ln.order_date for ln in got] == [date(2024, 5, d) for d in (1, 1, 2, 3, 4, 5, 6)]
    assert got[1].quantity == 2 and got[2].quantity == 1
    assert (
        got[0].practitioner == clinic["doctor"] and got[0].order.consultant == clinic["consultant"]
    )
    assert all(ln.customer.code == "K001" and ln.order_date == ln.order.order_date for ln in got)
    assert report.created_items == 3 and Item.objects.get(name="玻尿酸").category == "注射"


def test_xlsx_with_real_dates_and_numbers(clinic, tmp_path):
    import datetime

    rows = [
        ["order_no", "customer_code", "order_date", "item", "amount"],
        ["B1", "K9", datetime.date(2024, 6, 1), "热玛吉", 16800],
        ["B2", "K9", "2024-06-02", "热玛吉", "¥16,800.00"],
    ]
    path = tmp_path / "o.xlsx"
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(
                    r, c, datetime.datetime.combine(value, datetime.time()), date_format
                )
            else:
                sheet.write(r, c, value)
    book.close()
    report = import_orders(clinic["org"], path)
    assert report.imported == 2
    assert [ln.order_date for ln in lines(clinic["org"])] == [date(2024, 6, 1), date(2024, 6, 2)]
    assert {ln.amount for ln in lines(clinic["org"])} == {Decimal("16800.00")}


def test_unknown_customers_are_created_and_counted(clinic, tmp_path):
    rows = [
        ["单号", "客户编号", "姓名", "手机", "日期", "项目", "金额"],
        ["C1", "NEW1", "新客", "13812345678", "2024-05-01", "脱毛", "680"],
        ["C2", "NEW1", "新客", "13812345678", "2024-05-09", "脱毛", "680"],
        ["C3", "NEW2", "", "", "2024-05-01", "脱毛", "680"],
    ]
    report = import_orders(
        clinic["org"], write_xlsx(tmp_path / "o.xlsx", rows), store=clinic["store"]
    )
    assert report.created_customers == 2
    new = Customer.objects.get(code="NEW1")
    assert (
        new.name == "新客" and new.mobile == "+8613812345678" and new.home_store == clinic["store"]
    )
    assert Order.objects.filter(customer=new).count() == 2


def test_last_visits_of_new_and_known_customers(clinic, tmp_path):
    """A new customer is written with her latest paid day; a known one's moves with her
    new and changed lines (a refund is no visit)."""
    org = clinic["org"]
    make_customer(org, "K1", last_visit=date(2024, 1, 1))
    rows = [
        ZH,
        ["V1", "K1", "2024-05-03", "光子", "", "1", "100", "", ""],
        ["V2", "NEW1", "2024-05-01", "光子", "", "1", "100", "", ""],
        ["V3", "NEW1", "2024-05-09", "光子", "", "1", "-100", "", ""],
        ["V4", "NEW2", "2024-05-02", "光子", "", "1", "-30", "", ""],
    ]
    import_orders(org, write_csv(tmp_path / "o.csv", rows))

    def last_visits():
        customers = Customer.objects.filter(organization=org).order_by("code")
        return dict(customers.values_list("code", "last_visit"))

    assert last_visits() == {"K1": date(2024, 5, 3), "NEW1": date(2024, 5, 1), "NEW2": None}
    rows[1][6], rows[4][6] = "-100", "30"  # K1's visit refunded, NEW2's refund now paid
    report = import_orders(org, write_csv(tmp_path / "o2.csv", rows))
    assert report.updated == 2
    assert last_visits() == {"K1": None, "NEW1": date(2024, 5, 1), "NEW2": date(2024, 5, 2)}


def test_rejected_rows_are_listed_and_good_rows_go_in(clinic, tmp_path):
    rows = [
        ZH,
        ["D1", "K1", "2024-05-01", "光子", "", "1", "100", "", ""],
        ["D2", "K1", "2024-13-01", "光子", "", "1", "100", "", ""],
        ["D3", "K1", "2024-05-01", "光子", "", "1", "一百", "", ""],
        ["D4", "", "2024-05-01", "光子", "", "1", "100", "", ""],
        ["D5", "K1", "2024-05-01", "光子", "", "-1", "100", "", ""],
        ["D6", "K1", "2024-05-01", "光子", "", "1", "99999999999", "", ""],
        ["D1", "K2", "2024-05-01", "光子", "", "1", "50", "", ""],  # same order, other customer
        ["D7", "K1", "2024-05-01", "光子", "", "1", "100", "某人", ""],
    ]
    report = import_orders(clinic["org"], write_csv(tmp_path / "o.csv", rows))
    assert {(r.row, r.column) for r in report.rejections} == {
        (3, "order_date"),
        (4, "amount"),
        (5, "customer_code"),
        (6, "quantity"),
        (7, "amount"),
        (8, "order_no"),
    }
    assert [(w.row, w.column) for w in report.warnings] == [(9, "consultant")]
    assert sorted(Order.objects.values_list("order_no", flat=True)) == ["D1", "D7"]
    assert report.read == report.imported + report.updated + report.rejected + report.duplicates


def test_reimport_is_idempotent_and_a_changed_amount_updates(clinic, tmp_path):
    rows = [
        ZH,
        ["E1", "K1", "2024-05-01", "光子", "", "1", "100", "", ""],
        ["E1", "K1", "2024-05-01", "水光", "", "1", "200", "", ""],
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    import_orders(clinic["org"], path)
    snapshot = [(ln.pk, ln.amount) for ln in lines(clinic["org"])]
    again = import_orders(clinic["org"], path)
    assert (again.imported, again.updated, again.duplicates) == (0, 0, 2)
    assert [(ln.pk, ln.amount) for ln in lines(clinic["org"])] == snapshot
    rows[2][6] = "180"
    changed = import_orders(clinic["org"], write_csv(tmp_path / "o2.csv", rows))
    assert (changed.updated, changed.duplicates) == (1, 1)
    assert [ln.amount for ln in lines(clinic["org"])] == [Decimal("100"), Decimal("180")]


def test_files_without_order_numbers_use_a_content_key(clinic, tmp_path):
    rows = [
        ["客户编号", "消费日期", "品项", "实收"],
        ["K1", "2024-05-01", "光子", "100"],
        ["K1", "2024-05-01", "光子", "100"],  # the same row twice: a duplicate
        ["K1", "2024-05-02", "光子", "100"],
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    first = import_orders(clinic["org"], path)
    assert (first.imported, first.duplicates) == (2, 1)
    second = import_orders(clinic["org"], path)
    assert (second.imported, second.duplicates) == (0, 3)
    assert OrderLine.objects.count() == 2


def test_an_order_number_of_another_customer_is_refused(clinic, tmp_path):
    import_orders(
        clinic["org"],
        write_csv(
            tmp_path / "a.csv", [ZH, ["F1", "K1", "2024-05-01", "光子", "", "1", "1", "", ""]]
        ),
    )
    report = import_orders(
        clinic["org"],
        write_csv(
            tmp_path / "b.csv", [ZH, ["F1", "K2", "2024-05-01", "光子", "", "1", "1", "", ""]]
        ),
    )
    assert [r.column for r in report.rejections] == ["order_no"]
    assert not Customer.objects.filter(code="K2").exists()


def test_an_unusable_orders_file_imports_nothing(clinic, tmp_path):
    path = write_csv(tmp_path / "o.csv", [["收费单号", "项目"], ["G1", "光子"]])
    with pytest.raises(ImportFileError, match="客户编号、消费日期、实收金额"):
        import_orders(clinic["org"], path)
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_import_is_audited_with_counts(clinic, tmp_path):
    path = write_csv(
        tmp_path / "o.csv", [ZH, ["H1", "K1", "2024-05-01", "光子", "", "1", "1", "", ""]]
    )
    manager = make_staff(clinic["org"], Role.STORE_MANAGER, store=clinic["store"])
    import_orders(clinic["org"], path, actor=manager)
    event = AuditEvent.objects.get(action="import.orders")
    assert event.actor == manager and event.data["imported"] == 1
