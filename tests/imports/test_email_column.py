"""The customer file's email (邮箱) and WeChat recipient id columns: kept normalized, a
malformed cell left out with a warning (the customer still goes in), a re-import with
the same values changes nothing."""

import pytest

from revisit.customers.models import Customer
from revisit.imports.services import import_customers
from tests.imports.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def test_email_and_openid_columns_go_onto_the_card(clinic, tmp_path):
    org = clinic["org"]
    rows = [
        ["客户编号", "姓名", "手机", "邮箱", "openid"],
        ["K1", "王", "13800000001", "Wang@Example.com", "oWx_1234567"],
        ["K2", "李", "13800000002", "李娜@", "含空格 的id"],
        ["K3", "张", "13800000003", "", ""],
    ]
    report = import_customers(org, write_xlsx(tmp_path / "会员.xlsx", rows))
    assert report.imported == 3 and not report.rejections
    cards = {c.code: (c.email, c.wechat_openid) for c in Customer.objects.filter(organization=org)}
    assert cards == {"K1": ("Wang@example.com", "oWx_1234567"), "K2": ("", ""), "K3": ("", "")}
    warnings = {(w.row, w.column) for w in report.warnings}
    assert {(3, "email"), (3, "wechat_openid")} <= warnings
    assert any("邮箱" in w.reason for w in report.warnings if w.column == "email")

    again = import_customers(org, write_xlsx(tmp_path / "again.xlsx", rows))
    assert again.imported == 0 and again.updated == 0


def test_an_english_email_header_updates_a_known_customer(clinic, tmp_path):
    org = clinic["org"]
    import_customers(org, write_csv(tmp_path / "a.csv", [["code", "name"], ["K1", "王"]]))
    report = import_customers(
        org, write_csv(tmp_path / "b.csv", [["code", "E-mail"], ["K1", "wang@example.cn"]])
    )
    assert report.updated == 1
    assert Customer.objects.get(organization=org, code="K1").email == "wang@example.cn"
