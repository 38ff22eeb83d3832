"""Importing customers from real files."""

import csv
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from revisit.core.models import AuditEvent
from revisit.customers.models import Customer
from revisit.imports.models import ImportRun
from revisit.imports.services import ImportFileError, import_customers, preview
from tests.imports.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

ZH = ["客户编号", "姓名", "手机", "性别", "生日", "首次到院", "归属咨询师", "门店", "来源"]
EN = [
    "customer_code",
    "name",
    "phone",
    "gender",
    "birthday",
    "first_visit",
    "owner",
    "store",
    "channel",
]
ROWS = [
    ["K001", "王小美", "13812345678", "女", "1990-05-01", "2024/5/1", "陈咨询", "SH01", "小红书"],
    ["K002", "李丽", "139 1234 5678", "女", "农历1988年3月4日", "20240502", "", "上海院", "老带新"],
    ["K003", "张伟", "+86 186-1234-5678", "男", "", "2024年5月3日", "", "", "walk_in"],
]


def by_code(org):
    return {c.code: c for c in Customer.objects.filter(organization=org)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_with_chinese_headers(clinic, tmp_path, encoding):
    path = write_csv(tmp_path / "customers.csv", [ZH, *ROWS], encoding)
    report = import_customers(clinic["org"], path)
    assert (report.read, report.imported, report.rejected) == (3, 3, 0)
    customers = by_code(clinic["org"])
    first = customers["K001"]
    assert first.name == "王小美" and first.mobile == "+8613812345678" and first.gender == "F"
    assert first.birthday == date(1990, 5, 1) and first.first_visit == date(2024, 5, 1)
    assert first.owner == clinic["consultant"] and first.home_store == clinic["store"]
    assert first.channel == "social"
    second = customers["K002"]
    assert second.birthday == date(1988, 3, 4) and second.birthday_is_lunar
    assert second.home_store == clinic["store"]  # matched by store name
    assert second.channel == "referral" and second.mobile == "+8613912345678"
    assert customers["K003"].first_visit == date(2024, 5, 3)
    assert customers["K003"].mobile == "+8618612345678"


def test_xlsx_with_english_headers(clinic, tmp_path):
    path = write_xlsx(tmp_path / "customers.xlsx", [EN, *ROWS])
    report = import_customers(clinic["org"], path)
    assert report.imported == 3
    assert by_code(clinic["org"])["K001"].mobile == "+8613812345678"


def test_bad_rows_are_rejected_with_row_column_and_reason_and_good_rows_go_in(clinic, tmp_path):
    rows = [
        ZH,
        ["K001", "好行", "13812345678", "女", "", "", "", "", ""],
        ["K002", "坏手机", "12345", "女", "", "", "", "", ""],
        ["K003", "坏日期", "", "女", "1990-13-45", "", "", "", ""],
        ["", "没编号", "", "", "", "", "", "", ""],
        ["K005", "坏门店", "", "", "", "", "", "BJ99", ""],
        ["K006", "长" * 5000, "", "", "", "", "", "", ""],
        ["K007", "未知员工", "", "", "", "", "某某某", "", "神秘渠道"],
    ]
    path = write_csv(tmp_path / "c.csv", rows)
    report = import_customers(clinic["org"], path)
    assert {(r.row, r.column) for r in report.rejections} == {
        (3, "phone"),
        (5, "customer_code"),
        (6, "store"),
        (7, "name"),
    }
    assert "手机号无效" in next(r.reason for r in report.rejections if r.row == 3)
    assert sorted(by_code(clinic["org"])) == ["K001", "K003", "K007"]
    assert by_code(clinic["org"])["K003"].birthday is None  # a bad birthday is dropped
    assert by_code(clinic["org"])["K007"].owner is None  # unknown staff: a warning, not a loss
    assert {(w.row, w.column) for w in report.warnings} == {
        (4, "birthday"),
        (8, "owner"),
        (8, "channel"),
    }
    assert report.read == report.imported + report.updated + report.rejected + report.duplicates
    with open(report.rejects_path, encoding="utf-8-sig") as fh:
        listed = list(csv.reader(fh))
    assert listed[0][0].startswith("行号")
    assert [row[0] for row in listed[1:]] == ["3", "4", "5", "6", "7", "8", "8"]


def test_reimport_changes_nothing_and_changed_values_update(clinic, tmp_path):
    path = write_csv(tmp_path / "c.csv", [ZH, *ROWS])
    import_customers(clinic["org"], path)
    before = {c.code: (c.name, c.mobile, c.updated_at) for c in by_code(clinic["org"]).values()}
    again = import_customers(clinic["org"], path)
    assert (again.imported, again.updated, again.duplicates) == (0, 0, 3)
    assert {
        c.code: (c.name, c.mobile, c.updated_at) for c in by_code(clinic["org"]).values()
    } == before
    changed = [ZH, ROWS[0][:1] + ["王美美"] + ROWS[0][2:], ROWS[1], ROWS[1]]
    report = import_customers(clinic["org"], write_csv(tmp_path / "c2.csv", changed))
    assert (report.read, report.updated, report.duplicates) == (3, 1, 2)  # row 3 twice in file
    assert by_code(clinic["org"])["K001"].name == "王美美"
    assert Customer.objects.count() == 3


def test_mapping_names_unusual_columns(clinic, tmp_path):
    path = write_csv(tmp_path / "c.csv", [["会员号", "顾客名"], ["M1", "周周"]])
    with pytest.raises(ImportFileError, match="客户编号"):
        import_customers(clinic["org"], path)
    report = import_customers(clinic["org"], path, mapping=["会员号=customer_code,顾客名=name"])
    assert report.imported == 1 and by_code(clinic["org"])["M1"].name == "周周"
    with pytest.raises(ImportFileError, match="未知字段"):
        import_customers(clinic["org"], path, mapping=["会员号=nonsense"])


def test_dry_run_checks_and_writes_nothing(clinic, tmp_path):
    path = write_csv(tmp_path / "c.csv", [ZH, *ROWS])
    report = import_customers(clinic["org"], path, dry_run=True)
    assert report.imported == 3 and report.dry_run
    assert not Customer.objects.exists()
    assert ImportRun.objects.get().status == "dry_run"
    assert not AuditEvent.objects.filter(action="import.customers").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "空的"),
        ("blank.csv", b"   \n\n", "空的"),
        ("header_only.csv", "客户编号,姓名\n".encode(), "没有数据行"),
        ("wrong.csv", b"foo,bar\n1,2\n", "缺少必需的列"),
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "Excel"),
        ("binary.csv", b"\x00\x01\x02\xff" * 100, "不是文本"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "Excel"),
        ("notes.docx", b"hello", ".csv"),
    ],
)
def test_unusable_files_end_in_a_clear_message_and_nothing_is_imported(
    clinic, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_customers(clinic["org"], path)
    assert not Customer.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == "failed" and message in run.message


def test_command_line_import_and_errors(clinic, tmp_path):
    path = write_csv(tmp_path / "c.csv", [ZH, *ROWS])
    out = StringIO()
    call_command("import", "customers", str(path), "--store", "HZ01", stdout=out)
    assert "新增 3" in out.getvalue() and "imported 3" in out.getvalue()
    assert {c.home_store.code for c in by_code(clinic["org"]).values()} == {"HZ01"}
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import", "customers", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="no such store"):
        call_command("import", "customers", str(path), "--store", "NOPE")


def test_preview_shows_detected_columns_and_first_rows(clinic, tmp_path):
    path = write_csv(tmp_path / "c.csv", [ZH + ["其他列"], *[r + ["x"] for r in ROWS]])
    shown = preview(path, "customers", rows=2)
    assert shown["columns"]["客户编号"] == "customer_code" and shown["unmapped"] == ["其他列"]
    assert len(shown["rows"]) == 2 and shown["total"] == 3
