"""Course cards (疗程卡): sold as N sessions, a visit uses one (from the appointment at
done, from an imported order line paid by the card), expired cards refused, sessions
transferred to another customer with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from revisit.appointments.treatment import finish_treatment
from revisit.core.models import AuditEvent
from revisit.imports.services import import_orders
from revisit.sales.models import Item
from revisit.wallet.course_card_models import CourseCardProduct
from revisit.wallet.course_cards import (
    CardExpired,
    CourseCardError,
    apply_order_lines,
    card_history,
    consume_for_appointment,
    consume_session,
    sell_course_card,
    transfer_sessions,
)
from revisit.wallet.models import Account, Entry, EntryKind
from tests.imports.conftest import write_csv
from tests.wallet.conftest import NOW, TODAY, appointment

pytestmark = pytest.mark.django_db


def sell(salon, customer=None, sessions=10, price="9800", expires=None, **kw):
    return sell_course_card(
        customer or salon["wang"],
        actor=salon["desk"],
        sessions=sessions,
        price=price,
        expires_on=expires or TODAY + timedelta(days=200),
        item=kw.pop("item", salon["photon"]),
        store=salon["store"],
        now=kw.pop("now", NOW - timedelta(days=30)),
        **kw,
    )


def test_a_sold_card_holds_its_sessions_at_price_over_sessions(salon):
    card = sell(salon, sessions=3, price="1000")
    assert card.kind == "course_card" and card.balance == 3
    assert card.unit_value == Decimal("333.33") and card.card_number
    [entry] = card.entries.all()
    assert entry.kind == EntryKind.TOPUP and entry.amount == 3
    assert AuditEvent.objects.filter(action="wallet.open").exists()


@pytest.mark.parametrize(
    "change",
    [
        {"sessions": 0},
        {"sessions": "三"},
        {"sessions": 10**9},
        {"price": "-1"},
        {"price": "abc"},
        {"price": "1e30"},
        {"price": "NaN"},
        {"card_number": "x" * 65},
        {"item": None},
        {"expires": TODAY + timedelta(days=4000)},
    ],
)
def test_selling_refuses_bad_input_with_a_message(salon, change):
    expires = change.pop("expires", None)
    with pytest.raises(CourseCardError) as refused:
        sell(salon, expires=expires, **change)
    assert str(refused.value.message)
    assert not Account.objects.filter(kind="course_card").exists()


def test_an_appointment_done_uses_one_session_once(salon):
    card = sell(salon)
    visit = appointment(salon)
    finish_treatment(visit, actor=salon["doctor"], note="做完了", now=NOW)
    card.refresh_from_db()
    assert card.balance == 9
    # The hook again (a retried job, another path to done) uses nothing more.
    assert consume_for_appointment(visit, actor=salon["doctor"], now=NOW) is not None
    card.refresh_from_db()
    assert card.balance == 9
    spend = card.entries.get(kind=EntryKind.SPEND)
    assert spend.reference_type == "appointment" and spend.reference_id == str(visit.pk)


def test_an_appointment_without_a_covering_card_changes_nothing(salon):
    other = Item.objects.create(
        organization=salon["org"], code="SG", name="水光针", category="注射"
    )
    card = sell(salon)
    visit = appointment(salon, item=other)
    finish_treatment(visit, actor=salon["doctor"], note="ok", now=NOW)
    card.refresh_from_db()
    assert card.balance == 10


def test_the_card_expiring_first_is_used_and_a_category_card_covers_its_items(salon):
    late = sell(salon, card_number="LATE", expires=TODAY + timedelta(days=300))
    early = sell(
        salon,
        card_number="EARLY",
        item=None,
        item_category="嫩肤",
        expires=TODAY + timedelta(days=20),
    )
    consume_session(salon["wang"], actor=salon["desk"], item=salon["photon"], now=NOW)
    early.refresh_from_db(), late.refresh_from_db()
    assert (early.balance, late.balance) == (9, 10)


def test_an_expired_card_is_refused_with_a_message_and_the_visit_stays_done(salon):
    card = sell(salon, expires=TODAY - timedelta(days=1), now=NOW - timedelta(days=60))
    with pytest.raises(CardExpired) as refused:
        consume_session(salon["wang"], actor=salon["desk"], item=salon["photon"], now=NOW)
    assert card.card_number in str(refused.value.message)
    with pytest.raises(CardExpired):
        consume_session(salon["wang"], actor=salon["desk"], card=card, now=NOW)
    visit = appointment(salon)
    done, _ = finish_treatment(visit, actor=salon["doctor"], note="ok", now=NOW)
    assert done.status == "done"
    card.refresh_from_db()
    assert card.balance == 10
    refusal = AuditEvent.objects.get(action="course_card.refused")
    assert refusal.data["appointment"] == visit.pk


def test_the_last_session_is_used_once(salon):
    card = sell(salon, sessions=1, price="500")
    consume_session(salon["wang"], actor=salon["desk"], card=card, now=NOW)
    with pytest.raises(CourseCardError):
        consume_session(salon["wang"], actor=salon["desk"], card=card, now=NOW)
    with pytest.raises(CourseCardError):
        consume_session(salon["wang"], actor=salon["desk"], item=salon["photon"], now=NOW)
    assert Account.objects.get(pk=card.pk).balance == 0


HEAD = ["收费单号", "客户编号", "收费日期", "项目", "项目类别", "数量", "实收金额"]


def test_imported_lines_sell_a_card_and_use_sessions_once_on_reimport(salon, tmp_path):
    product_item = Item.objects.create(
        organization=salon["org"], code="GZ10", name="光子嫩肤10次卡", category="疗程卡"
    )
    CourseCardProduct.objects.create(
        organization=salon["org"],
        item=product_item,
        sessions=10,
        covers_item=salon["photon"],
        valid_days=365,
    )
    rows = [
        HEAD,
        ["P1", "K1", "2026-10-01", "光子嫩肤10次卡", "疗程卡", "1", "6800"],
        ["P2", "K1", "2026-10-08", "光子嫩肤", "嫩肤", "1", "0"],  # 划卡
        ["P3", "K1", "2026-10-15", "光子嫩肤", "嫩肤", "1", "0"],
        ["P4", "K1", "2026-10-20", "光子嫩肤", "嫩肤", "1", "980"],  # paid cash: no session
        ["P5", "K2", "2026-10-20", "光子嫩肤", "嫩肤", "1", "0"],  # no card: nothing
    ]
    path = write_csv(tmp_path / "orders.csv", rows)
    import_orders(salon["org"], path)
    card = Account.objects.get(customer=salon["wang"], kind="course_card")
    assert card.card_number == "P1-1" and card.item == salon["photon"]
    assert card.balance == 8 and card.unit_value == Decimal("680.00")
    assert card.expires_on.isoformat() == "2027-10-01"
    assert card.store is None or card.store == salon["store"]
    import_orders(salon["org"], path)  # the same file again
    card.refresh_from_db()
    assert card.balance == 8 and card.entries.count() == 3
    # Applying the same lines again (a rerun) changes nothing either.
    from revisit.sales.models import OrderLine

    again = apply_order_lines(salon["org"], OrderLine.objects.filter(organization=salon["org"]))
    card.refresh_from_db()
    assert card.balance == 8 and again.consumed == 2  # replayed, not posted


def test_a_line_on_the_day_an_appointment_used_a_session_is_the_same_visit(salon, tmp_path):
    card = sell(salon)
    finish_treatment(appointment(salon), actor=salon["doctor"], note="ok", now=NOW)
    rows = [HEAD, ["Q1", "K1", TODAY.isoformat(), "光子嫩肤", "嫩肤", "1", "0"]]
    import_orders(salon["org"], write_csv(tmp_path / "o.csv", rows))
    card.refresh_from_db()
    assert card.balance == 9


def test_a_line_on_an_expired_card_is_refused_and_audited(salon, tmp_path):
    card = sell(salon, expires=TODAY - timedelta(days=10), now=NOW - timedelta(days=60))
    rows = [HEAD, ["Q1", "K1", TODAY.isoformat(), "光子嫩肤", "嫩肤", "1", "0"]]
    import_orders(salon["org"], write_csv(tmp_path / "o.csv", rows))
    card.refresh_from_db()
    assert card.balance == 10
    assert AuditEvent.objects.filter(action="course_card.refused").count() == 1


def test_transfer_moves_sessions_to_a_new_card_balanced_and_audited(salon):
    card = sell(salon, card_number="C-1")
    consume_session(salon["wang"], actor=salon["desk"], card=card, now=NOW)
    new_card, out, into = transfer_sessions(
        card,
        salon["li"],
        sessions=4,
        actor=salon["manager"],
        reason="转让协议：王女士转给李女士",
        now=NOW,
    )
    card.refresh_from_db()
    assert (card.balance, new_card.balance) == (5, 4)
    assert new_card.customer == salon["li"] and new_card.item == salon["photon"]
    assert new_card.unit_value == card.unit_value and new_card.expires_on == card.expires_on
    assert out.amount == -4 and into.amount == 4 and into.counterpart == out
    total = sum(e.amount for e in Entry.objects.filter(kind=EntryKind.TRANSFER))
    assert total == 0
    event = AuditEvent.objects.get(action="course_card.transfer")
    assert event.data["reason"].startswith("转让协议") and event.data["sessions"] == 4
    # Both histories show the transfer and name the other customer.
    from revisit.customers.models import Customer

    everyone = Customer.objects.filter(organization=salon["org"])
    mine = [r for r in card_history(card, everyone) if r.entry.kind == "transfer"]
    theirs = [r for r in card_history(new_card, everyone) if r.entry.kind == "transfer"]
    assert mine[0].other_customer == salon["li"] and theirs[0].other_customer == salon["wang"]
    # Seen by someone who may not see Li, the other side is not named.
    assert card_history(card, everyone.exclude(pk=salon["li"].pk))[-1].other_customer is None


@pytest.mark.parametrize(
    "sessions,reason,to",
    [
        (4, "", "li"),
        (11, "原因", "li"),
        (0, "原因", "li"),
        (2, "原因", "wang"),
        (2, "x" * 201, "li"),
    ],
)
def test_transfer_refuses_bad_requests(salon, sessions, reason, to):
    card = sell(salon)
    with pytest.raises(CourseCardError):
        transfer_sessions(
            card, salon[to], sessions=sessions, actor=salon["manager"], reason=reason, now=NOW
        )
    card.refresh_from_db()
    assert card.balance == 10 and Account.objects.filter(kind="course_card").count() == 1


def test_an_expired_card_cannot_be_transferred(salon):
    card = sell(salon, expires=TODAY - timedelta(days=1), now=NOW - timedelta(days=60))
    with pytest.raises(CardExpired):
        transfer_sessions(
            card, salon["li"], sessions=1, actor=salon["manager"], reason="x", now=NOW
        )


def test_the_wallet_command_sells_consumes_and_transfers(salon, capsys):
    org = salon["org"].code
    expires = (TODAY + timedelta(days=100)).isoformat()
    call_command(
        "wallet", "sell", "--staff", salon["desk"].username, "--org", org, "--customer", "K1",
        "--item", "GZ", "--sessions", "5", "--price", "2500", "--expires", expires,
        "--card-number", "CLI-1",
    )  # fmt: skip
    for _ in range(2):  # the same key twice: one session
        call_command(
            "wallet", "consume", "--staff", salon["desk"].username, "--org", org,
            "--customer", "K1", "--item", "GZ", "--key", "visit-1",
        )  # fmt: skip
    assert Account.objects.get(card_number="CLI-1").balance == 4
    call_command(
        "wallet", "transfer", "--staff", salon["manager"].username, "--org", org,
        "--card", "CLI-1", "--to", "K2", "--sessions", "2", "--reason", "转让",
    )  # fmt: skip
    call_command(
        "wallet", "cards", "--staff", salon["desk"].username, "--org", org, "--customer", "K2"
    )
    assert (
        "剩 2 次" in capsys.readouterr().out
        or Account.objects.get(customer=salon["li"]).balance == 2
    )
    with pytest.raises(CommandError):  # a desk may not transfer
        call_command(
            "wallet", "transfer", "--staff", salon["desk"].username, "--org", org,
            "--card", "CLI-1", "--to", "K2", "--sessions", "1", "--reason", "x",
        )  # fmt: skip
    with pytest.raises(CommandError):  # outside her store: not found
        call_command(
            "wallet", "cards", "--staff", salon["manager_b"].username, "--org", org,
            "--customer", "K1",
        )  # fmt: skip
