"""Hostile files through the service and the command line: each ends in a clear message
(or a note on the row), bounded memory and nothing written."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from revisit.customers.models import Customer
from revisit.imports.models import ImportRun
from revisit.imports.services import ImportFileError, import_customers
from revisit.imports.xlsx_guard import SheetExtent
from tests.imports import hostile_files as hostile
from tests.imports.conftest import database_url, write_csv

pytestmark = pytest.mark.django_db

REVISIT = str(Path(sys.executable).with_name("revisit"))
PEAK_RSS_LIMIT_MB = 500


def assert_refused(org, path, message, report_dir):
    with pytest.raises(ImportFileError, match=message):
        import_customers(org, path)
    assert not Customer.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == "failed" and message in run.message
    assert not list(Path(report_dir).rglob("*"))  # no report, no rejects file


def test_a_sheet_spanning_its_whole_area_is_refused_before_it_is_read(clinic, tmp_path, settings):
    path = hostile.dimension_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 4000
    assert_refused(clinic["org"], path, "超过 1,000,000 行数据", settings.IMPORT_REPORT_DIR)


@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [
        (3, "ZZ", "超过 200 列"),  # 702 columns
        (200_000, "GR", "200,000 行 × 200 列"),  # within both, but 40M cells
    ],
)
def test_two_far_cells_are_refused_by_the_area_they_span(
    clinic, tmp_path, settings, rows, column, message
):
    path = hostile.far_corners(tmp_path / "corners.xlsx", rows, column)
    assert_refused(clinic["org"], path, message, settings.IMPORT_REPORT_DIR)


def test_a_declared_dimension_alone_is_not_trusted_nor_held_against_the_file(clinic, tmp_path):
    path = hostile.declared_dimension_only(tmp_path / "declared.xlsx")
    report = import_customers(clinic["org"], path)
    assert (report.read, report.imported) == (1, 1)
    assert Customer.objects.get().name == "王小美"


def test_a_million_column_header_is_refused_at_once(clinic, tmp_path, settings):
    path = hostile.million_column_csv(tmp_path / "wide.csv")
    assert_refused(clinic["org"], path, "超过 200 列", settings.IMPORT_REPORT_DIR)


def test_an_xlsx_expanding_past_the_limit_is_refused(clinic, tmp_path, settings):
    settings.IMPORT_MAX_XLSX_XML_BYTES = 1024 * 1024
    path = hostile.many_rows_xlsx(tmp_path / "rows.xlsx", 20_000)
    assert path.stat().st_size < 300_000
    assert_refused(clinic["org"], path, "解压后超过 1 MB", settings.IMPORT_REPORT_DIR)


def test_a_decompression_bomb_is_refused_without_inflating_it(clinic, tmp_path, settings):
    path = hostile.xml_bomb(tmp_path / "bomb.xlsx")  # 1.1 GB of XML in ~1 MB
    assert path.stat().st_size < 2 * 1024 * 1024
    assert_refused(clinic["org"], path, "解压后超过 512 MB", settings.IMPORT_REPORT_DIR)


def test_a_bomb_that_lies_about_its_size_is_refused_as_damaged(clinic, tmp_path, settings):
    path = hostile.xml_bomb(tmp_path / "liar.xlsx", megabytes=64, lie=True)
    assert_refused(clinic["org"], path, "Excel 文件已损坏", settings.IMPORT_REPORT_DIR)


def test_rows_size_and_cell_length_limits_are_settings(clinic, tmp_path, settings):
    rows = [["客户编号", "姓名"]] + [[f"K{n:03d}", "王小美"] for n in range(101)]
    path = write_csv(tmp_path / "rows.csv", rows)
    settings.IMPORT_MAX_ROWS = 100
    assert_refused(clinic["org"], path, "超过 100 行数据", settings.IMPORT_REPORT_DIR)
    ImportRun.objects.all().delete()
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_FILE_BYTES = 1000, 1000
    assert_refused(clinic["org"], path, "文件超过 0 MB", settings.IMPORT_REPORT_DIR)


def test_an_overlong_cell_rejects_its_row_only(clinic, tmp_path, settings):
    settings.IMPORT_MAX_CELL_CHARS = 50
    rows = [["客户编号", "姓名", "备注"], ["K001", "王小美", "x" * 51], ["K002", "李丽", "ok"]]
    report = import_customers(clinic["org"], write_csv(tmp_path / "long.csv", rows))
    assert (report.read, report.imported, report.rejected) == (2, 1, 1)
    (rejection,) = report.rejections
    assert (rejection.row, rejection.column) == (2, "备注") and "超过 50 个字符" in rejection.reason
    assert list(Customer.objects.values_list("code", flat=True)) == ["K002"]


def test_nul_and_control_characters_are_stripped_with_a_warning(clinic, tmp_path):
    path = hostile.nul_csv(tmp_path / "nul.csv")
    assert b"\x00" in path.read_bytes()[70_000:]  # also past the first 64 KB
    report = import_customers(clinic["org"], path)
    assert report.rejected == 0 and report.imported == report.read == 3003
    names = dict(Customer.objects.filter(code__startswith="K").values_list("code", "name"))
    assert names == {"K001": "王小美", "K002": "李丽", "K003": "张伟"}
    warned = {(w.row, w.column) for w in report.warnings if "控制字符" in w.reason}
    assert warned == {(2, "姓名"), (3, "姓名"), (3004, "姓名")}
    rejects = Path(report.rejects_path).read_text(encoding="utf-8-sig")
    assert "已删除此单元格中的控制字符" in rejects and "\x00" not in rejects


def test_rows_in_another_encoding_are_rejected_by_row_and_the_rest_imported(clinic, tmp_path):
    report = import_customers(clinic["org"], hostile.mixed_encoding_csv(tmp_path / "mixed.csv"))
    assert (report.read, report.imported, report.rejected) == (5, 3, 2)
    assert {r.row for r in report.rejections} == {3, 5}
    assert all("编码" in r.reason for r in report.rejections)
    names = dict(Customer.objects.values_list("code", "name"))
    assert names == {"K001": "王小美", "K003": "张伟", "K005": "孙红"}


def test_a_gbk_file_with_one_utf8_row_rejects_that_row(clinic, tmp_path):
    rows = [["客户编号", "姓名"], ["K001", "王小美"], ["K002", "李丽"], ["K003", "张伟"]]
    data = bytearray(write_csv(tmp_path / "a.csv", rows[:2], "gbk").read_bytes())
    data += "K002,李丽\n".encode() + "K003,张伟\n".encode("gbk")
    path = tmp_path / "gbk.csv"
    path.write_bytes(bytes(data))
    report = import_customers(clinic["org"], path)
    assert [r.row for r in report.rejections] == [3]
    assert dict(Customer.objects.values_list("code", "name")) == {"K001": "王小美", "K003": "张伟"}


# Linux keeps a process's memory high-water mark across fork and exec: a child started
# straight from a big test worker would report the worker's size as its own peak. A
# small spawner process starts the command instead and reports the command's own peak.
SPAWN = """
import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stdout carries the peak alone
    os.execv(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
sys.stdout.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_cli(args: list[str], tmp_path: Path) -> tuple[int, str, int]:
    """Run `revisit ...` in a child process on the test database: its exit status (negative
    when killed by a signal, e.g. -6 for an abort), its stderr and its peak RSS in MB."""
    env = dict(os.environ, DATABASE_URL=database_url(), REVISIT_VAR=str(tmp_path / "var"))
    done = subprocess.run(
        [sys.executable, "-c", SPAWN, REVISIT, *args], env=env, capture_output=True, text=True
    )
    status = done.returncode - 256 if done.returncode > 128 else done.returncode
    return status, done.stderr, int(done.stdout or 0) // 1024


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (hostile.dimension_bomb, "超过 1,000,000 行数据"),
        (hostile.xml_bomb, "解压后超过 512 MB"),
        (hostile.million_column_csv, "超过 200 列"),
    ],
)
def test_the_command_line_ends_cleanly_with_the_message_in_bounded_memory(tmp_path, make, message):
    from tests.factories import make_org

    org = make_org("hostile")
    path = make(tmp_path / f"hostile{'.csv' if make is hostile.million_column_csv else '.xlsx'}")
    status, stderr, peak_mb = run_cli(
        ["import", "customers", str(path), "--org", org.code], tmp_path
    )
    assert status == 1, stderr  # an error exit, not a signal
    assert message in stderr and "未写入任何数据" in stderr and "Traceback" not in stderr
    assert peak_mb < PEAK_RSS_LIMIT_MB
    assert not Customer.objects.exists()


def test_cells_without_a_position_are_counted_as_a_reader_counts_them(clinic, tmp_path, settings):
    unnumbered = '<c t="inlineStr"><is><t>x</t></is></c>' * 300
    body = hostile.row(1, hostile.HEADER) + f"<row>{unnumbered}</row>"
    path = hostile.write_xlsx_parts(tmp_path / "unnumbered.xlsx", hostile.sheet_xml(body))
    assert_refused(clinic["org"], path, "超过 200 列", settings.IMPORT_REPORT_DIR)


@pytest.mark.parametrize("piece", [1, 7, 64, 10_000])
def test_the_extent_of_a_sheet_whatever_its_prefixes_and_pieces(piece):
    xml = (
        b'<x:sheetData><x:row r="1"><x:c r="B1"><x:v>1</x:v></x:c></x:row>'
        b"<x:row><x:c/><x:c/><x:c/></x:row>"
        b'<x:row r="9"><x:c r="A9" s="1"/></x:row></x:sheetData>'
        b'<sheetData><row r="1"><c s="2" r="AB3"/><c/></row><row><c r="C2000"/></row></sheetData>'
    )
    extent = SheetExtent()
    for start in range(0, len(xml), piece):
        extent.feed(xml[start : start + piece])
    assert (extent.rows, extent.columns) == (2000, 29)


def test_an_endless_tag_is_refused_without_quadratic_work(clinic, tmp_path, settings):
    head, tail = hostile.sheet_xml("<!--BODY-->").split(b"<!--BODY-->")
    chunks = [head, b'<row r="1"><c r="A1" x="', *[b"y" * 1024 * 1024] * 8, b'"/></row>', tail]
    path = hostile.write_xlsx_parts(tmp_path / "endless.xlsx", chunks)
    assert_refused(clinic["org"], path, "Excel 文件已损坏", settings.IMPORT_REPORT_DIR)


def test_a_gbk_file_of_every_common_character_rejects_no_row(clinic, tmp_path):
    # GBK bytes can be valid UTF-8 by chance; such rows must not be taken for UTF-8 ones.
    chars = [
        bytes([lead, trail]).decode("gb2312", errors="ignore")
        for lead in range(0xB0, 0xF8)
        for trail in range(0xA1, 0xFF)
    ]
    chars = [c for c in chars if c]
    names = ["".join(chars[i : i + size]) for size in (2, 3) for i in range(0, len(chars), size)]
    rows = [["客户编号", "姓名"]] + [[f"K{n:05d}", name] for n, name in enumerate(names)]
    report = import_customers(clinic["org"], write_csv(tmp_path / "gbk.csv", rows, "gbk"))
    assert report.rejected == 0 and report.imported == len(names) > 5000


@pytest.mark.parametrize("ref", ["ABCD1", "A12345678", "A" + "9" * 5000, "1A"])
def test_a_position_no_spreadsheet_writes_is_refused(clinic, tmp_path, settings, ref):
    body = hostile.row(1, hostile.HEADER) + f'<row r="2"><c r="{ref}"><v>1</v></c></row>'
    path = hostile.write_xlsx_parts(tmp_path / "odd.xlsx", hostile.sheet_xml(body))
    assert_refused(clinic["org"], path, "Excel 文件已损坏", settings.IMPORT_REPORT_DIR)


def test_more_texts_than_cells_are_refused(clinic, tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 1000
    path = hostile.declared_dimension_only(tmp_path / "texts.xlsx")
    with zipfile.ZipFile(path, "a") as book:
        book.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 1001 + "</sst>")
    assert_refused(clinic["org"], path, "文本超过 1,000 条", settings.IMPORT_REPORT_DIR)
