"""`revisit wallet show|topup|spend|refund`: the same services as the till, in the
product's language, scoped by --staff, one post per --key, bad input refused."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from revisit.core.models import AuditEvent
from revisit.wallet.models import AccountKind, Entry, EntryKind
from revisit.wallet.stored_value import set_bonus_rules
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
D = Decimal


def run(*args) -> str:
    out = StringIO()
    call_command("wallet", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def till(shop):
    set_bonus_rules(shop["org"], [(D("10000"), D("1000"))], actor=None)
    shop["wang"] = make_customer(shop["org"], "W-1", name="王芳", home_store=shop["store"])
    shop["far"] = make_customer(shop["org"], "F-1", name="远方", home_store=shop["other"])
    return shop


def test_top_up_spend_refund_and_show(till):
    org = till["org"].code
    manager = till["manager"].username
    out = run("topup", "W-1", "10000", "--org", org, "--staff", manager, "--key", "t1")
    assert "赠送 1000" in out and "11000" in out
    again = run("topup", "W-1", "10000", "--org", org, "--staff", manager, "--key", "t1")
    assert "replayed" in again
    assert Entry.objects.filter(kind=EntryKind.TOPUP).count() == 1
    assert "9000" in run("spend", "W-1", "2000", "--org", org, "--staff", manager)
    topup = Entry.objects.get(kind=EntryKind.TOPUP)
    with pytest.raises(CommandError, match="8000"):
        run("refund", str(topup.pk), "--amount", "8500", "--org", org, "--staff", manager)
    out = run("refund", str(topup.pk), "--org", org, "--staff", manager)
    assert "收回赠送 1000" in out and "余额 0" in out
    shown = run("show", "W-1", "--org", org, "--staff", manager)
    assert "储值" in shown and "余额 0.00 元" in shown and "充值" in shown
    actions = set(
        AuditEvent.objects.filter(action__startswith="wallet.").values_list("action", flat=True)
    )
    assert {"wallet.topup", "wallet.earn", "wallet.spend", "wallet.refund"} <= actions


def test_without_staff_the_command_acts_for_the_organization(till):
    org = till["org"].code
    run("topup", "F-1", "100", "--org", org)
    assert "100.00" in run("show", "F-1", "--org", org)
    assert till["far"].wallet_accounts.get(kind=AccountKind.STORED_VALUE).balance == D("100")


@pytest.mark.parametrize(
    "args",
    [
        ["topup", "W-1", "12.345"],
        ["topup", "W-1", "-5"],
        ["topup", "W-1", "abc"],
        ["topup", "W-1", "9" * 40],
        ["topup", "NOPE", "10"],
        ["topup", "F-1", "10", "--staff", "STAFF"],  # another store's customer
        ["topup", "W-1", "10", "--staff", "CONSULTANT"],  # not a till role
        ["spend", "W-1", "10"],  # no balance
        ["refund", "999999"],
        ["show", "W-1", "--entries", "100000"],
        ["topup", "W-1", "10", "--key", "k" * 65],
    ],
)
def test_bad_input_is_refused_with_a_message(till, args):
    args = [
        till["manager"].username
        if a == "STAFF"
        else till["consultant"].username
        if a == "CONSULTANT"
        else a
        for a in args
    ]
    with pytest.raises(CommandError) as raised:
        run(*args, "--org", till["org"].code)
    assert str(raised.value)
    assert not Entry.objects.exists()
