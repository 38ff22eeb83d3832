"""`revisit import referrals FILE`: a clinic's referral history with the arrival facts, in
Chinese headers, each special case decided as at the desk; every bad row rejected with
its reason; importing again creates nothing and changes no attribution; a store manager
imports only for her stores' referrers and cannot tell another store's code from an
unknown one."""

import csv
from datetime import date

import pytest
from django.core.management import call_command

from revisit.core.models import Role
from revisit.customers.models import Customer
from revisit.imports.models import ImportRun
from revisit.imports.services import import_file
from revisit.referrals.models import Lead
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

HEADER = [
    "推荐人编号",
    "被推荐人姓名",
    "被推荐人手机",
    "需求项目",
    "意向级别",
    "建档日期",
    "到院日期",
    "渠道",
    "老客同行",
    "点名咨询师",
    "结伴来院",
]
GOOD = [
    # registered days before, came with the referrer: the referral channel's
    [
        "OLD-1",
        "甲",
        "13900000011",
        "眼部整形",
        "一级",
        "2025-03-01",
        "2025-03-05",
        "",
        "是",
        "否",
        "否",
    ],
    # registered the same day, referrer did not come: case 1
    ["OLD-1", "乙", "13900000012", "", "二级", "2025-03-05", "2025-03-05", "", "否", "", ""],
    # asked for a consultant by name: case 2
    ["OLD-1", "丙", "13900000013", "", "一级", "2025-03-01", "2025-03-04", "", "", "是", ""],
    # came in a group, registered the same day: case 3
    ["OLD-1", "丁", "13900000014", "", "一级", "2025-03-04", "2025-03-04", "", "否", "否", "是"],
    # search registered her first, the referrer brought her: case 4
    ["OLD-1", "戊", "13900000015", "", "一级", "2025-03-01", "2025-03-06", "搜索", "是", "", ""],
    # registered by social media first, never came, referred via service: case 5
    ["OLD-1", "己", "13900000016", "", "一级", "2025-03-01", "2025-03-06", "抖音", "否", "", ""],
    # not arrived yet
    ["OLD-1", "庚", "13900000017", "肉毒素", "三级", "2025-04-01", "", "", "", "", ""],
]
EXPECTED = {
    "甲": ("referral", "referral"),
    "乙": ("walk_in", "case_1"),
    "丙": ("walk_in", "case_2"),
    "丁": ("walk_in", "case_3"),
    "戊": ("search", "case_4"),
    "己": ("social", "case_5"),
    "庚": ("", ""),
}
BAD = [
    (["NOPE", "x", "13900000018", "", "", "2025-03-01", "", "", "", "", ""], "referrer_code"),
    (["OLD-1", "辛", "12345", "", "", "2025-03-01", "", "", "", "", ""], "mobile"),
    (["OLD-1", "壬", "13900000011", "", "", "2025-03-02", "", "", "", "", ""], "mobile"),
    (["OLD-1", "癸", "13900000019", "", "四级", "2025-03-01", "", "", "", "", ""], "intention"),
    (["OLD-1", "子", "13900000020", "", "", "2025-02-30", "", "", "", "", ""], "registered_on"),
    (
        ["OLD-1", "丑", "13900000021", "", "", "2025-03-05", "2025-03-01", "", "", "", ""],
        "arrived_on",
    ),
    (["OLD-1", "寅", "13900000022", "", "", "2025-03-01", "", "火星", "", "", ""], "channel"),
    (["OLD-1", "卯", "13900000023", "", "", "2025-03-01", "", "", "也许", "", ""], "referrer_came"),
    (["OLD-1", "", "13900000024", "", "", "2025-03-01", "", "", "", "", ""], "name"),
    (["OLD-1", "辰", "+8613800000001", "", "", "2025-03-01", "", "", "", "", ""], "mobile"),
    (["OLD-1", "巳" * 500, "13900000025", "", "", "2025-03-01", "", "", "", "", ""], "name"),
]


@pytest.fixture
def clinic():
    org = make_org()
    store, other = make_store(org, "S1"), make_store(org, "S2")
    return {
        "org": org,
        "store": store,
        "admin": make_staff(org, Role.ADMIN),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store),
        "referrer": make_customer(
            org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store
        ),
        "elsewhere": make_customer(
            org, "OLD-2", name="别店老客", mobile="+8613800000002", home_store=other
        ),
    }


def write(path, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_history_replays_each_case_rejects_bad_rows_and_reimports_nothing(clinic, tmp_path):
    org = clinic["org"]
    source = write(tmp_path / "转介绍.csv", GOOD + [row for row, _column in BAD])
    report = import_file("referrals", org, source, actor=clinic["admin"])
    assert report.imported == len(GOOD)
    rejected = {r.row: r.column for r in report.rejections}
    for index, (_row, column) in enumerate(BAD):
        assert column in {r.column for r in report.rejections if r.row == len(GOOD) + 2 + index}, (
            index,
            rejected,
        )
    assert report.rejected == len(BAD)
    assert report.balanced()
    leads = {lead.name: lead for lead in Lead.objects.filter(organization=org)}
    assert {name: (lead.attribution, lead.rule) for name, lead in leads.items()} == EXPECTED
    first = leads["甲"]
    assert first.registered_by == clinic["admin"] and first.referrer == clinic["referrer"]
    assert first.customer.first_visit == date(2025, 3, 5)
    assert first.customer.channel == "referral"
    assert leads["乙"].customer.channel == "walk_in"
    assert leads["庚"].arrived_at is None and leads["庚"].intention == 3
    run = ImportRun.objects.get(pk=report.run_id)
    assert run.kind == "referrals" and run.rejected == len(BAD)
    # The same history again: nothing new, nothing changed.
    again = import_file("referrals", org, source, actor=clinic["admin"])
    assert again.imported == 0 and again.duplicates == len(GOOD) - 1 + 1
    # A later file saying she asked for a consultant does not change a decided attribution.
    edited = [list(row) for row in GOOD]
    edited[0][9] = "是"
    import_file("referrals", org, write(tmp_path / "改单.csv", edited), actor=clinic["admin"])
    assert Lead.objects.get(name="甲").rule == "referral"
    assert Lead.objects.filter(organization=org).count() == len(GOOD)
    # A second file giving the arrival of the lead who had not come records it once.
    arrived = [list(GOOD[6])]
    arrived[0][6] = "2025-04-03"
    later = import_file(
        "referrals", org, write(tmp_path / "到院.csv", arrived), actor=clinic["admin"]
    )
    assert later.updated == 1
    assert Lead.objects.get(name="庚").rule == "referral"


def test_a_store_manager_imports_only_for_her_stores_referrers(clinic, tmp_path):
    rows = [
        ["OLD-2", "甲", "13900000031", "", "", "2025-03-01", "", "", "", "", ""],
        ["NOPE", "乙", "13900000032", "", "", "2025-03-01", "", "", "", "", ""],
        ["OLD-1", "丙", "13900000033", "", "", "2025-03-01", "", "", "", "", ""],
    ]
    report = import_file(
        "referrals", clinic["org"], write(tmp_path / "f.csv", rows), actor=clinic["manager"]
    )
    reasons = {r.row: r.reason for r in report.rejections}
    assert set(reasons) == {2, 3}
    assert reasons[2] == reasons[3]  # another store's code reads like an unknown one
    assert report.imported == 1
    lead = Lead.objects.get()
    assert lead.referrer == clinic["referrer"] and lead.registered_by == clinic["manager"]


def test_the_command_line_imports_and_lists_the_rejected_rows(clinic, tmp_path, capsys):
    source = write(tmp_path / "f.csv", [GOOD[0], BAD[0][0]])
    call_command("import", "referrals", str(source), "--org", clinic["org"].code)
    out = capsys.readouterr().out
    assert "新增 1" in out and "拒绝 1" in out
    assert Customer.objects.filter(mobile="+8613900000011").exists()
