"""`revisit reports monthly` and `revisit reports due`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from revisit.reports import monthly
from tests.reports.test_monthly import M

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("reports", *args, stdout=out)
    return out.getvalue()


def test_the_month_table_and_what_is_due(chain, tmp_path):
    org = chain["org"].code
    monthly.set_plan(chain["s1"], M, actor=chain["manager"], summary="=1+1", plan="计划")
    monthly.submit_report(chain["s1"], M, actor=chain["manager"])
    text = _run("monthly", "--org", org, "--month", "2026-05", "--region", "R1")
    assert "门店S1\t已提交，待审核\t5\t2\t1\t120\t1" in text and "门店S3" not in text
    out = tmp_path / "may.xlsx"
    _run("monthly", "--org", org, "--month", "2026-05", "--out", str(out))
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][0] == "门店S1"
    due = _run("due", "--org", org, "--date", "2026-06-02")
    assert f"{chain['supervisor'].username}\t审核 门店S1 2026-05" in due
    assert "已逾期" in due
    for bad in (
        ("monthly", "--org", org, "--month", "2026-13"),
        ("monthly", "--org", org, "--region", "NOPE"),
        ("monthly", "--org", org, "--out", str(tmp_path / "x.exe")),
        ("due", "--org", org, "--date", "2026-02-30"),
    ):
        with pytest.raises(CommandError):
            _run(*bad)
