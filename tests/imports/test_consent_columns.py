"""Consent columns of a customer file: recorded per channel with the file as source."""

import pytest

from revisit.core.models import AuditEvent
from revisit.customers.models import MarketingConsent
from revisit.imports.models import ImportRun
from revisit.imports.services import import_customers
from tests.imports.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

HEADERS = ["客户编号", "姓名", "短信营销同意", "电话营销同意", "微信营销同意", "邮件营销同意"]


def consents(org) -> dict:
    return {
        (c.customer.code, c.channel): c.granted
        for c in MarketingConsent.objects.filter(customer__organization=org).select_related(
            "customer"
        )
    }


def test_consent_cells_are_recorded_with_the_file_and_time_and_a_reimport_adds_nothing(
    clinic, tmp_path
):
    org = clinic["org"]
    rows = [
        HEADERS,
        ["K1", "王", "是", "否", "同意", "拒绝"],
        ["K2", "李", "Y", "", "0", "1"],
        ["K3", "张", "也许", "", "", ""],
    ]
    path = write_csv(tmp_path / "会员.csv", rows)
    report = import_customers(org, path)
    assert report.imported == 3  # a bad consent value does not keep the customer out
    assert consents(org) == {
        ("K1", "sms"): True,
        ("K1", "call"): False,
        ("K1", "wechat"): True,
        ("K1", "email"): False,
        ("K2", "sms"): True,
        ("K2", "wechat"): False,
        ("K2", "email"): True,
    }
    [warning] = [w for w in report.warnings if w.column == "sms_consent"]
    assert (warning.row, warning.value) == (4, "也许")
    run = ImportRun.objects.get()
    consent = MarketingConsent.objects.get(customer__code="K1", channel="sms")
    assert consent.source == "导入文件 会员.csv"
    assert run.started_at <= consent.recorded_at <= run.finished_at
    assert AuditEvent.objects.filter(action="consent.set").count() == 7

    import_customers(org, path)
    assert AuditEvent.objects.filter(action="consent.set").count() == 7

    # A changed answer in a later file is recorded; an empty cell leaves the old one.
    later = write_csv(tmp_path / "later.csv", [HEADERS, ["K1", "王", "否", "", "", ""]])
    import_customers(org, later)
    assert consents(org)[("K1", "sms")] is False and consents(org)[("K1", "call")] is False
    assert MarketingConsent.objects.get(customer__code="K1", channel="sms").source == (
        "导入文件 later.csv"
    )
    assert AuditEvent.objects.filter(action="consent.set").count() == 8


def test_english_headers_in_xlsx_and_a_dry_run_records_nothing(clinic, tmp_path):
    org = clinic["org"]
    path = write_xlsx(
        tmp_path / "c.xlsx", [["customer_code", "sms_consent", "call_consent"], ["E1", "N", "y"]]
    )
    import_customers(org, path, dry_run=True)
    assert consents(org) == {}
    import_customers(org, path)
    assert consents(org) == {("E1", "sms"): False, ("E1", "call"): True}
