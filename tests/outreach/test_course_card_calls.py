"""The course-card call list (seed 000, script 2) and course cards on the queue task: the
caller sees 疗程卡: 光子嫩肤 剩 3 次, 2027-03-01 到期, with the script filled; and the
trade-up price from the card's stored value (1980 × 0.8 − 980 = 604)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.outreach.course_calls import REASON, schedule_course_card_calls
from revisit.outreach.models import CallTask, ScheduledContact, Strategy
from revisit.outreach.scripts import check_script, render_script
from revisit.sales.models import Item
from revisit.wallet.course_card_models import COURSE_CARD_SCRIPT
from revisit.wallet.course_cards import consume_session, open_cards_of, sell_course_card
from revisit.wallet.ledger import open_account, post
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN, name="管理员")
    caller = make_staff(org, Role.CALLER, store=store, name="客服小张")
    photon = Item.objects.create(
        organization=org, code="GZ", name="光子嫩肤", category="嫩肤", list_price=Decimal("980")
    )
    return {"org": org, "store": store, "admin": admin, "caller": caller, "photon": photon}


def customer(clinic, code, name):
    return make_customer(
        clinic["org"], code, name=name, gender="F", mobile=f"+86138000{code[-5:]:0>5}",
        home_store=clinic["store"],
    )  # fmt: skip


def card(clinic, who, *, expires, sold_days_ago=10, sessions=3, number=""):
    today = local_date(clinic["org"])
    from revisit.core.clock import day_bounds

    sold_at = day_bounds(clinic["org"], today - timedelta(days=sold_days_ago))[0]
    return sell_course_card(
        who,
        actor=clinic["admin"],
        sessions=sessions,
        price=Decimal(490) * sessions,
        expires_on=expires,
        item=clinic["photon"],
        card_number=number,
        now=sold_at,
    )


def test_expiring_and_unused_sessions_are_scheduled_once(clinic):
    today = local_date(clinic["org"])
    soon = customer(clinic, "C00001", "王女士")
    card(clinic, soon, expires=today + timedelta(days=20))
    quiet = customer(clinic, "C00002", "李女士")
    card(clinic, quiet, expires=today + timedelta(days=300), sold_days_ago=120)
    busy = customer(clinic, "C00003", "赵女士")
    recent = card(clinic, busy, expires=today + timedelta(days=300), sold_days_ago=120)
    consume_session(busy, actor=clinic["admin"], card=recent)  # used today: not unused
    gone = customer(clinic, "C00004", "钱女士")
    card(clinic, gone, expires=today - timedelta(days=1), sold_days_ago=200)  # expired
    result = schedule_course_card_calls(clinic["org"], day=today)
    assert (result.scheduled, result.expiring, result.unused) == (2, 1, 1)
    due = set(
        ScheduledContact.objects.filter(reason=REASON).values_list("customer__code", flat=True)
    )
    assert due == {"C00001", "C00002"}
    assert schedule_course_card_calls(clinic["org"], day=today).scheduled == 0
    # After the call, the same card's expiry is not called again.
    ScheduledContact.objects.filter(reason=REASON).update(status=ScheduledContact.Status.DONE)
    assert schedule_course_card_calls(clinic["org"], day=today + timedelta(days=1)).scheduled == 0


def test_the_days_before_expiry_are_a_setting(clinic):
    today = local_date(clinic["org"])
    who = customer(clinic, "C00001", "王女士")
    card(clinic, who, expires=today + timedelta(days=45))
    assert schedule_course_card_calls(clinic["org"], day=today).scheduled == 0
    assert schedule_course_card_calls(clinic["org"], day=today, expiry_days=60).scheduled == 1


def test_the_caller_sees_sessions_and_expiry_and_the_filled_script(client, clinic):
    today = local_date(clinic["org"])
    who = customer(clinic, "C00001", "王女士")
    card(clinic, who, expires=today + timedelta(days=20))
    call_command(
        "wallet", "course-calls", "--staff", clinic["admin"].username, "--org", clinic["org"].code
    )
    task = CallTask.objects.get(customer=who)
    assert task.assignee == clinic["caller"] and task.source == CallTask.Source.SCHEDULED
    client.force_login(clinic["caller"])
    with translation.override("zh-hans"):
        page = client.get("/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    block = page.split(f'id="task-{task.pk}"')[1]
    expiry = (today + timedelta(days=20)).isoformat()
    assert f"疗程卡: 光子嫩肤 剩 3 次, {expiry} 到期" in block
    assert "光子嫩肤3次没有做" in block and f"有效期到{expiry}" in block
    assert "王女士" in block and "客服小张" in block


def test_the_script_placeholders_are_known_and_filled():
    check_script(COURSE_CARD_SCRIPT)
    text = render_script("{expiring_item} 剩 {sessions_left} 次 {card_expiry}", customer=_Nobody())
    assert text == "— 剩 — 次 —"


class _Nobody:
    name, gender, home_store_id, organization = "", "", None, "机构"


def test_open_cards_show_the_first_to_expire_first(clinic):
    today = local_date(clinic["org"])
    who = customer(clinic, "C00001", "王女士")
    card(clinic, who, expires=today + timedelta(days=300), number="LATE")
    card(clinic, who, expires=today + timedelta(days=30), number="SOON")
    assert [c.card_number for c in open_cards_of([who.pk], today)[who.pk]] == ["SOON", "LATE"]


@pytest.fixture
def upgrade(clinic):
    org = clinic["org"]
    consultant = make_staff(org, Role.CONSULTANT, store=clinic["store"])
    item = lambda code, name, price: Item.objects.create(  # noqa: E731
        organization=org, code=code, name=name, category="动能素", list_price=Decimal(price)
    )
    stored = item("S516", "丝丽 516", "980")
    item("S532", "丝丽 532", "1980")
    item("S100", "入门款", "399")
    strategy = Strategy.objects.create(
        organization=org,
        target="B1",
        name="消费升级",
        department="customer_service",
        upgrade_discount=Decimal("0.80"),
    )
    return consultant, stored, strategy


def _task(clinic, consultant, who, strategy):
    today = local_date(clinic["org"])
    return CallTask.objects.create(
        organization=clinic["org"],
        customer=who,
        assignee=consultant,
        due_date=today,
        first_due_date=today,
        segment="B1",
        strategy=strategy,
    )


def _offer_block(client, consultant, task):
    client.force_login(consultant)
    page = client.get("/queue/").content.decode()
    return page.split(f'id="task-{task.pk}"')[1].split('class="task')[0]


def test_the_trade_up_takes_the_stored_value_of_her_course_card(client, clinic, upgrade):
    consultant, stored, strategy = upgrade
    who = make_customer(clinic["org"], "U1", name="王小美", owner=consultant)
    # Her last paid line says 399; the card she holds (2 sessions × 490 of 丝丽 516) is
    # what she trades up: 1980 × 0.8 − 980 = 604.
    make_order(who, "399", on=date(2024, 3, 1), item=Item.objects.get(code="S100"))
    today = local_date(clinic["org"])
    sell_course_card(
        who,
        actor=clinic["admin"],
        sessions=2,
        price="980",
        expires_on=today + timedelta(days=90),
        item=stored,
    )
    block = _offer_block(client, consultant, _task(clinic, consultant, who, strategy))
    assert 'data-price="604.00"' in block and "丝丽 532" in block and "丝丽 516" in block


def test_the_trade_up_takes_her_stored_value_balance_without_a_card(client, clinic, upgrade):
    consultant, stored, strategy = upgrade
    who = make_customer(clinic["org"], "U2", name="李小美", owner=consultant)
    make_order(who, "980", on=date(2024, 3, 1), item=stored)
    account = open_account(who, "stored_value", actor=None)
    post(account, "500", kind="topup", actor=None)
    block = _offer_block(client, consultant, _task(clinic, consultant, who, strategy))
    assert 'data-price="1084.00"' in block  # 1980 × 0.8 − 500


def test_an_expired_card_is_not_stored_value(client, clinic, upgrade):
    consultant, stored, strategy = upgrade
    who = make_customer(clinic["org"], "U3", name="赵小美", owner=consultant)
    make_order(who, "980", on=date(2024, 3, 1), item=stored)
    card(clinic, who, expires=local_date(clinic["org"]) - timedelta(days=1), sold_days_ago=100)
    block = _offer_block(client, consultant, _task(clinic, consultant, who, strategy))
    assert 'data-price="604.00"' in block  # from her last paid line, as before


def test_a_card_without_a_better_item_leaves_the_offer_to_her_last_item(client, clinic, upgrade):
    consultant, stored, strategy = upgrade
    who = make_customer(clinic["org"], "U4", name="孙小美", owner=consultant)
    make_order(who, "980", on=date(2024, 3, 1), item=stored)
    card(clinic, who, expires=local_date(clinic["org"]) + timedelta(days=100))  # 光子嫩肤: top
    block = _offer_block(client, consultant, _task(clinic, consultant, who, strategy))
    assert 'data-price="604.00"' in block and "丝丽 516" in block


def test_calllists_course_cards_command(clinic, capsys):
    today = local_date(clinic["org"])
    who = customer(clinic, "C00001", "王女士")
    card(clinic, who, expires=today + timedelta(days=50))
    call_command(
        "calllists", "course-cards", "--date", today.isoformat(), "--expiry-days", "60",
        "--org", clinic["org"].code,
    )  # fmt: skip
    assert "疗程卡回访 1 位" in capsys.readouterr().out
    assert CallTask.objects.filter(customer=who).exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "calllists", "course-cards", "--date", today.isoformat(), "--expiry-days", "0",
            "--org", clinic["org"].code,
        )  # fmt: skip
