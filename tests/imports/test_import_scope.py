"""Who an import may write for, what a re-import may not change, and how rows are reported."""

import pytest

from revisit.core.access import visible_customers, visible_import_runs
from revisit.core.models import Role
from revisit.customers.models import Customer
from revisit.imports.services import ImportFileError, import_customers, import_orders, preview
from revisit.sales.models import OrderLine
from tests.factories import make_customer, make_staff, make_store
from tests.imports.conftest import write_csv

pytestmark = pytest.mark.django_db

HEAD = ["客户编号", "姓名", "手机", "门店"]


@pytest.fixture
def chain(clinic):
    """Two stores with a manager each; C0000024 belongs to SZ01."""
    org = clinic["org"]
    shenzhen = make_store(org, "SZ01")
    theirs = make_customer(
        org, "C0000024", name="深圳客", mobile="+8613800000024", home_store=shenzhen
    )
    return clinic | {
        "SZ01": shenzhen,
        "theirs": theirs,
        "manager": make_staff(org, Role.STORE_MANAGER, store=clinic["store"]),
        "other_manager": make_staff(org, Role.STORE_MANAGER, store=shenzhen),
        "admin": make_staff(org, Role.ADMIN),
    }


def test_a_store_manager_cannot_take_over_another_stores_customer(chain, tmp_path):
    make_customer(chain["org"], "C0000099", name="无门店")  # exists, but in no store
    rows = [
        HEAD,
        ["C0000024", "改名", "13900000001", ""],  # another store's customer
        ["C0000099", "改名", "", ""],  # a customer without a store
        ["NEW002", "别店新客", "", "SZ01"],  # the file puts it in another store
        ["NEW001", "新客", "13900000002", ""],
    ]
    report = import_customers(
        chain["org"], write_csv(tmp_path / "c.csv", rows), actor=chain["manager"]
    )
    assert (report.imported, report.updated, report.rejected) == (1, 0, 3)
    reasons = {r.row: r.reason for r in report.rejections}
    # One reason for every row she may not write: it does not tell which codes exist.
    assert set(reasons) == {2, 3, 4} and len(set(reasons.values())) == 1
    theirs = Customer.objects.get(code="C0000024")
    assert (theirs.home_store, theirs.name, theirs.mobile) == (
        chain["SZ01"],
        "深圳客",
        "+8613800000024",
    )
    assert Customer.objects.get(code="C0000099").name == "无门店"
    assert not Customer.objects.filter(code="NEW002").exists()
    assert Customer.objects.get(code="NEW001").home_store == chain["store"]


def test_an_admin_may_update_any_customer(chain, tmp_path):
    rows = [HEAD, ["C0000024", "改名", "", ""]]
    report = import_customers(
        chain["org"], write_csv(tmp_path / "c.csv", rows), actor=chain["admin"]
    )
    assert report.updated == 1 and Customer.objects.get(code="C0000024").name == "改名"


def test_the_store_managers_import_lands_in_her_store_and_she_finds_it(chain, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEAD[:3], ["M0001", "王小美", "13812345678"]])
    import_customers(chain["org"], path, actor=chain["manager"])
    found = visible_customers(chain["manager"]).get(code="M0001")
    assert found.home_store == chain["store"]
    assert not visible_customers(chain["other_manager"]).filter(code="M0001").exists()


def test_a_store_manager_may_not_import_into_another_store(chain, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEAD[:2], ["M0001", "王小美"]])
    with pytest.raises(ImportFileError):
        import_customers(chain["org"], path, actor=chain["manager"], store=chain["SZ01"])
    assert not Customer.objects.filter(code="M0001").exists()


def test_a_store_managers_order_import_touches_only_her_customers(chain, tmp_path):
    mine = make_customer(chain["org"], "K001", home_store=chain["store"])
    rows = [
        ["收费单号", "客户编号", "收费日期", "项目", "实收金额"],
        ["A1", "K001", "2024-05-01", "光子嫩肤", "1280"],
        ["A2", "C0000024", "2024-05-01", "光子嫩肤", "1280"],
        ["A3", "K002", "2024-05-01", "光子嫩肤", "1280"],
    ]
    report = import_orders(
        chain["org"], write_csv(tmp_path / "o.csv", rows), actor=chain["manager"]
    )
    assert (report.imported, report.rejected, report.created_customers) == (2, 1, 1)
    assert [r.row for r in report.rejections] == [3]
    assert not OrderLine.objects.filter(customer=chain["theirs"]).exists()
    assert OrderLine.objects.filter(customer=mine).count() == 1
    assert Customer.objects.get(code="K002").home_store == chain["store"]


def test_an_order_number_of_another_stores_customer_is_refused_like_any_other(chain, tmp_path):
    make_customer(chain["org"], "K001", home_store=chain["store"])
    head = ["收费单号", "客户编号", "收费日期", "实收金额"]
    import_orders(
        chain["org"],
        write_csv(tmp_path / "theirs.csv", [head, ["A9", "C0000024", "2024-05-01", "99"]]),
    )
    rows = [head, ["A9", "K001", "2024-05-01", "1"], ["A8", "C0000024", "2024-05-01", "1"]]
    report = import_orders(
        chain["org"], write_csv(tmp_path / "o.csv", rows), actor=chain["manager"]
    )
    assert sorted(r.row for r in report.rejections) == [2, 3] and report.imported == 0
    assert len({r.reason for r in report.rejections}) == 1


def test_a_store_managers_orders_name_only_her_stores_staff(chain, tmp_path):
    make_customer(chain["org"], "K001", home_store=chain["store"])
    outsider = make_staff(chain["org"], Role.PRACTITIONER, store=chain["SZ01"], name="深圳医生")
    rows = [
        ["收费单号", "客户编号", "收费日期", "实收金额", "医生"],
        ["A1", "K001", "2024-05-01", "1", "深圳医生"],
        ["A2", "K001", "2024-05-02", "1", "唐医生"],
    ]
    report = import_orders(
        chain["org"], write_csv(tmp_path / "o.csv", rows), actor=chain["manager"]
    )
    assert [(w.row, w.column) for w in report.warnings] == [(2, "practitioner")]
    assert not OrderLine.objects.filter(practitioner=outsider).exists()
    assert OrderLine.objects.filter(practitioner=chain["doctor"]).count() == 1


def test_a_reimport_keeps_the_first_channel_and_a_dead_number(chain, tmp_path):
    head = ["客户编号", "手机", "来源"]
    import_customers(
        chain["org"], write_csv(tmp_path / "1.csv", [head, ["K1", "13812345678", "小红书"]])
    )
    Customer.objects.filter(code="K1").update(phone_status="dead")
    report = import_customers(
        chain["org"], write_csv(tmp_path / "2.csv", [head, ["K1", "13812345678", "老带新"]])
    )
    customer = Customer.objects.get(code="K1")
    assert (customer.channel, customer.phone_status) == ("social", "dead")
    assert [(w.row, w.column) for w in report.warnings] == [(2, "channel")]
    assert report.duplicates == 1
    # A different number is a new number: what was learned about the old one is gone.
    import_customers(chain["org"], write_csv(tmp_path / "3.csv", [head, ["K1", "13912345678", ""]]))
    customer.refresh_from_db()
    assert (customer.mobile, customer.phone_status) == ("+8613912345678", "valid")


def test_every_error_of_a_row_is_reported_and_bad_optional_cells_are_warnings(chain, tmp_path):
    rows = [
        ["客户编号", "姓名", "手机", "生日", "首次到院", "满意度"],
        ["K1", "长" * 101, "12345", "", "", ""],
        ["K2", "好", "13812345678", "1990-13-45", "昨天", "还行吧"],
    ]
    report = import_customers(chain["org"], write_csv(tmp_path / "c.csv", rows))
    assert [(r.row, r.column) for r in report.rejections] == [(2, "name"), (2, "phone")]
    assert (report.rejected, report.imported) == (1, 1)
    assert [(w.row, w.column) for w in report.warnings] == [
        (3, "birthday"),
        (3, "first_visit"),
        (3, "satisfaction"),
    ]
    customer = Customer.objects.get(code="K2")
    assert customer.birthday is None and customer.first_visit is None


def test_the_preview_marks_the_rows_that_will_be_rejected(chain, tmp_path):
    rows = [HEAD, ["C0000024", "", "", ""], ["K1", "", "12345", ""], ["K2", "", "", ""]]
    path = write_csv(tmp_path / "c.csv", rows)
    shown = preview(path, "customers", organization=chain["org"], actor=chain["manager"])
    assert sorted(shown["problems"]) == [2, 3] and shown["rejected"] == 2
    assert not Customer.objects.filter(code__in=["K1", "K2"]).exists()


def test_import_runs_are_read_by_admins_and_the_stores_manager(chain, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEAD[:2], ["M1", "x"]])
    mine = import_customers(chain["org"], path, actor=chain["manager"]).run_id
    theirs = import_customers(chain["org"], path, actor=chain["other_manager"]).run_id
    by_admin = import_customers(chain["org"], path, actor=chain["admin"]).run_id
    into_mine = import_customers(
        chain["org"], path, actor=chain["admin"], store=chain["store"]
    ).run_id

    def runs(staff):
        return set(visible_import_runs(staff).values_list("pk", flat=True))

    assert runs(chain["admin"]) == {mine, theirs, by_admin, into_mine}
    assert runs(chain["manager"]) == {mine, into_mine}
    assert runs(chain["other_manager"]) == {theirs}
    assert runs(chain["consultant"]) == set()
