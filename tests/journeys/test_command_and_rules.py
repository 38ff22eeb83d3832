"""`revisit journeys preview|run`, the messaging rules on journey sends (consent, quiet
hours), and the satisfaction call's problem that becomes a store task."""

import csv
import io
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from revisit.customers.consents import set_consent
from revisit.customers.models import Satisfaction
from revisit.journeys.models import Journey, StoreTask
from revisit.messaging.models import Message, MessagingSettings
from revisit.outreach.followups import record_followup
from revisit.outreach.models import ScheduledContact
from tests.factories import make_order, make_org
from tests.journeys.conftest import SHANGHAI
from tests.journeys.test_year import tick

pytestmark = pytest.mark.django_db
SPRING = date(2026, 2, 17)


def run(*args):
    out = io.StringIO()
    call_command("journeys", *args, stdout=out)
    return out.getvalue()


def test_preview_lists_each_touch_with_the_reason_it_will_not_be_sent(shop, tmp_path):
    set_consent(shop.people["C"], actor=shop.admin, channel="sms", granted=False, source="电话")
    text = run("preview", "--org", shop.org.code, "--date", "2026-02-17")
    rows = list(csv.reader(io.StringIO(text.rsplit("\n", 2)[0])))
    assert rows[0] == ["客户编号", "旅程", "触发日期", "等级", "渠道", "动作", "模板", "不发送原因"]
    spring = [r for r in rows[1:] if r[1] == "春节"]
    c_sms = [r for r in spring if r[0] == "C" and r[6] == "春节祝福短信"]
    assert c_sms == [["C", "春节", "2026-02-17", "C", "短信", "发送消息", "春节祝福短信", "无授权"]]
    b_sms = [r for r in spring if r[0] == "B" and r[6] == "春节祝福短信"]
    assert b_sms[0][7] == ""
    assert any(r[0] == "A" and r[5] == "上门赠送春节礼品" for r in spring)
    assert any(
        r[0] == "A" and r[4] == "电话话术" and r[5] == "电话回访（呼叫名单）" for r in spring
    )
    assert "未发送：" in text.splitlines()[-1] and "无授权 1" in text.splitlines()[-1]
    # Preview sends nothing and records nothing.
    assert not Message.objects.exists()

    out = tmp_path / "预览.xlsx"
    run("preview", "--org", shop.org.code, "--date", "2026-02-17", "--out", str(out))
    sheet = load_workbook(out).active
    values = list(sheet.values)
    assert values[0][0] == "客户编号" and len(values) == len(rows)
    csv_out = tmp_path / "p.csv"
    run("preview", "--org", shop.org.code, "--date", "2026-02-17", "--out", str(csv_out))
    assert csv_out.read_text(encoding="utf-8-sig").startswith("客户编号,旅程")


def test_run_fires_once(shop):
    with time_machine.travel(datetime(2026, 2, 17, 9, tzinfo=SHANGHAI), tick=False):
        first = run("run", "--org", shop.org.code, "--date", "2026-02-17")
        second = run("run", "--org", shop.org.code, "--date", "2026-02-17")
    assert "触发 7" in first
    assert "触发 0" in second and "排队消息 0" in second


@pytest.mark.parametrize(
    "args,message",
    [
        (["preview", "--date", "2026-13-45"], "日期格式应为 YYYY-MM-DD"),
        (["preview", "--date", "x" * 10_000], "日期格式应为 YYYY-MM-DD"),
        (["preview", "--date", "0001-01-01"], "日期应在 1900 至 2200 年之间"),
        (["run", "--date", "'; drop table x;--"], "日期格式应为 YYYY-MM-DD"),
        (["preview", "--date", "2026-02-17", "--out", "/tmp/x.exe"], "输出文件须为 .csv 或 .xlsx"),
        (["preview", "--date", "2026-02-17", "--out", "/no/such/dir/x.csv"], "无法写入"),
        (["preview", "--org", "nope"], "没有编码为"),
    ],
)
def test_hostile_arguments_get_a_clear_message(shop, args, message):
    if "--org" not in args:
        args = [args[0], "--org", shop.org.code, *args[1:]]
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_formula_cells_are_escaped_in_the_preview(shop):
    shop.people["B"].code = "=HYPERLINK(1)"
    shop.people["B"].save()
    text = run("preview", "--org", shop.org.code, "--date", "2026-02-17")
    assert "'=HYPERLINK(1)" in text


def test_consent_and_quiet_hours_suppress_journey_sends(shop):
    MessagingSettings.objects.filter(organization=shop.org).update(
        quiet_start=time(21), quiet_end=time(8), quiet_action="suppress"
    )
    Journey.objects.filter(organization=shop.org, name="春节").update(send_at=time(22, 0))
    set_consent(shop.people["B"], actor=shop.admin, channel="sms", granted=False, source="电话")
    tick(shop.org, SPRING)
    sms = Message.objects.filter(template__name="春节祝福短信")
    assert set(sms.values_list("suppression_reason", flat=True)) == {"quiet_hours"}
    # In the day: consent decides.
    Journey.objects.filter(organization=shop.org, name="元旦").update(send_at=time(10, 0))
    tick(shop.org, date(2027, 1, 1))
    greetings = dict(
        Message.objects.filter(template__name="节日祝福短信", due_at__year=2027).values_list(
            "customer__code", "suppression_reason"
        )
    )
    assert greetings["B"] == "no_consent"
    assert greetings["C"] == ""


def test_postponed_quiet_hours_wait_for_the_morning(shop):
    MessagingSettings.objects.filter(organization=shop.org).update(
        quiet_start=time(21), quiet_end=time(8), quiet_action="postpone"
    )
    Journey.objects.filter(organization=shop.org, name="春节").update(send_at=time(22, 0))
    tick(shop.org, SPRING)
    message = Message.objects.get(template__name="春节祝福短信", customer=shop.people["C"])
    assert message.status == "queued" and message.postponed
    assert message.due_at == datetime(2026, 2, 18, 8, tzinfo=SHANGHAI)


def test_a_problem_on_the_satisfaction_call_becomes_a_store_task_due_in_3_days(
    shop, django_capture_on_commit_callbacks
):
    c = shop.people["C"]
    make_order(c, "300.00", on=date(2026, 4, 10), store=shop.store)
    for day in (date(2026, 4, 11), date(2026, 4, 12), date(2026, 4, 13)):
        tick(shop.org, day)
    call = ScheduledContact.objects.get(customer=c, reason="journey:售后3天 电话回访")
    assert call.due_on == date(2026, 4, 13)
    with (
        time_machine.travel(datetime(2026, 4, 13, 15, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_followup(
            c,
            actor=shop.admin,
            channel="call",
            outcome="valid_2",
            satisfaction=Satisfaction.DISSATISFIED,
            dissatisfaction_reason="service",
            note="裤脚开线",
        )
    task = StoreTask.objects.get(customer=c, followup__isnull=False)
    assert task.due_on == date(2026, 4, 16)
    assert "裤脚开线" in task.title and task.store == shop.store
    # A satisfied customer raises nothing.
    b = shop.people["B"]
    with (
        time_machine.travel(datetime(2026, 4, 13, 15, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_followup(
            b, actor=shop.admin, channel="call", outcome="valid_2", satisfaction="satisfied"
        )
    assert not StoreTask.objects.filter(customer=b).exists()


def test_the_hourly_task_fires_each_organization_once(shop):
    from revisit.journeys.tasks import fire_journeys

    with time_machine.travel(datetime(2026, 2, 17, 9, tzinfo=SHANGHAI), tick=False):
        first = fire_journeys.call_local()
        second = fire_journeys.call_local()
    assert first[shop.org.code]["fired"] == 7
    assert second[shop.org.code]["fired"] == 0


def test_the_hourly_task_leaves_an_organization_without_journeys_alone(shop):
    """An upgrade must not start marketing by itself: journeys are installed when someone
    opens their page (or by the demo), never by the worker."""
    from revisit.journeys.tasks import fire_journeys

    other = make_org("fresh")
    with time_machine.travel(datetime(2026, 2, 17, 9, tzinfo=SHANGHAI), tick=False):
        done = fire_journeys.call_local()
    assert other.code not in done and shop.org.code in done
    assert not Journey.objects.filter(organization=other).exists()
    assert not Message.objects.filter(organization=other).exists()
