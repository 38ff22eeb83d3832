"""`revisit referrals ...` over the same services and scope as the pages, and the export:
one row per lead, phones masked unless a role that may export them gives a reason."""

import csv
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from revisit.core.models import AuditEvent, Role
from revisit.referrals.leads import register_lead
from revisit.referrals.models import Lead
from revisit.referrals.tasks import propose_rewards_tick
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    org = make_org()
    store, other = make_store(org, "S1"), make_store(org, "S2")
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    manager.username = "mgr"
    manager.save()
    caller = make_staff(org, Role.CALLER, store=other)
    caller.username = "callb"
    caller.save()
    referrer = make_customer(org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store)
    return {"org": org, "store": store, "manager": manager, "referrer": referrer}


def run(*args):
    call_command("referrals", *args)


def test_register_attribute_reward_and_export(clinic, tmp_path, capsys):
    run(
        "register",
        "--staff",
        "mgr",
        "--referrer",
        "OLD-1",
        "--name",
        "新朋友",
        "--mobile",
        "13900000002",
        "--intention",
        "1",
    )
    lead = Lead.objects.get()
    assert "139****0002" in capsys.readouterr().out
    # Registered just now: arriving today is too late for the referral channel.
    run("attribute", "--staff", "mgr", "--lead", str(lead.pk), "--referrer-came")
    assert "rule=day_before" in capsys.readouterr().out
    lead.refresh_from_db()
    make_order(lead.customer, "1000", on=date.today())
    propose_rewards_tick.call_local()
    propose_rewards_tick.call_local()  # twice: proposed once
    assert lead.rewards.count() == 3
    out = tmp_path / "referrals.csv"
    run("export", "--staff", "mgr", "--out", str(out))
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1][1] == "139****0002"
    assert rows[1][2:4] == ["OLD-1", lead.customer.code]
    assert rows[1][7:11] == ["walk_in", "day_before", "50.00", "50.00"]
    with pytest.raises(CommandError):
        run("export", "--staff", "mgr", "--out", str(out), "--full-phones")
    run("export", "--staff", "mgr", "--out", str(out), "--full-phones", "--reason", "对账")
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1][1] == "13900000002"
    assert AuditEvent.objects.filter(action="export", data__table="referrals").count() == 2


def test_outside_the_scope_is_not_found_and_bad_input_is_a_message(clinic):
    # The caller of the other store sees neither the referrer nor her leads.
    with pytest.raises(CommandError, match="找不到"):
        run("register", "--staff", "callb", "--referrer", "OLD-1", "--name", "某某")
    with pytest.raises(CommandError, match="电话号码"):
        run(
            "register",
            "--staff",
            "mgr",
            "--referrer",
            "OLD-1",
            "--name",
            "某某",
            "--mobile",
            "12",
            "--intention",
            "1",
        )
    with pytest.raises(CommandError):
        run("export", "--staff", "mgr", "--out", "/tmp/x.txt")
    # Another organization's lead (same customer code there) is not found either.
    other = make_org()
    other_store = make_store(other)
    foreign = register_lead(
        make_customer(other, "OLD-1", home_store=other_store),
        actor=make_staff(other, Role.ADMIN),
        store=other_store,
        name="别家",
    )
    org = ["--org", clinic["org"].code]
    for lead_id in (foreign.pk, 999999):
        with pytest.raises(CommandError, match="找不到"):
            run("attribute", "--staff", "mgr", *org, "--lead", str(lead_id))


def test_the_report_gives_the_month_kpis_statistics_and_writes_a_table(clinic, tmp_path, capsys):
    referrer = clinic["referrer"]
    make_order(referrer, "3000", on=date(2026, 2, 1), store=clinic["store"])
    register_lead(
        referrer,
        actor=clinic["manager"],
        store=clinic["store"],
        name="新朋友",
        mobile="13900000002",
        items="肉毒素",
        intention=1,
        now=datetime(2026, 3, 9, 3, 0, tzinfo=UTC),
    )
    run("report", "--staff", "mgr", "--month", "2026-03")
    out = capsys.readouterr().out
    assert "2026-03 带新建档 1" in out
    assert "老带新业绩占比" in out and "目标 10.0%" in out
    assert "店长：建档 1/0.0" in out
    assert "产品 肉毒素：预约 0，建档 1，来院 0" in out
    assert "1-3个月 1" in out
    target = tmp_path / "daily.xlsx"
    run("report", "--staff", "mgr", "--month", "2026-03", "--table", "daily", "--out", str(target))
    rows = list(load_workbook(target).active.values)
    assert len(rows) == 32 and rows[0][0] == "日期"
    assert AuditEvent.objects.filter(action="export", data__table="referral-daily").exists()
    for table, first in (("deviation_groups", "客户群体"), ("channel", "指标")):
        target = tmp_path / f"{table}.xlsx"
        run(
            "report", "--staff", "mgr", "--month", "2026-03", "--table", table, "--out", str(target)
        )
        assert list(load_workbook(target).active.values)[0][0] == first
    for bad in (["--month", "2026-13"], ["--month", "x" * 500], ["--table", "daily"]):
        with pytest.raises(CommandError):
            run("report", "--staff", "mgr", *bad)
    # Another store's caller sees nothing of it.
    run("report", "--staff", "callb", "--month", "2026-03")
    assert "带新建档 0" in capsys.readouterr().out
