"""Expiry takes exactly what is due: the unused rest of the lots that expired, spends
taking the lots that expire first; running it twice takes nothing twice."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revisit.core.models import Role
from revisit.wallet.ledger import open_account, post
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind
from revisit.wallet.points import lot_expiry, points_settings
from revisit.wallet.redemption import expire_points
from revisit.wallet.tasks import points_night
from tests.factories import make_customer, make_org, make_staff

pytestmark = pytest.mark.django_db

START = date(2022, 1, 1)


def earn(account, amount, on):
    settings = points_settings(account.organization)
    return post(
        account,
        amount,
        kind=EntryKind.EARN,
        actor=None,
        expires_on=lot_expiry(settings, on),
        now=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )


def test_expiry_takes_the_unused_rest_of_due_lots_and_runs_once():
    org = make_org("shop")
    account = open_account(make_customer(org, "K1"), AccountKind.POINTS, actor=None)
    earn(account, 500, date(2022, 3, 1))  # expires 2023-12-31
    earn(account, 300, date(2023, 3, 1))  # expires 2024-12-31
    post(account, -200, kind=EntryKind.SPEND, actor=None)  # takes from the 2022 lot
    assert expire_points(org, on=date(2023, 12, 31)) == 0  # still valid that day
    assert expire_points(org, on=date(2024, 1, 1)) == 1
    account.refresh_from_db()
    assert account.balance == 300
    expired = Entry.objects.get(kind=EntryKind.EXPIRE)
    assert expired.amount == -300 and expired.idempotency_key == f"expire:{account.pk}:2024-01-01"
    assert expire_points(org, on=date(2024, 1, 1)) == 0
    assert expire_points(org, on=date(2024, 6, 1)) == 0
    assert expire_points(org, on=date(2025, 1, 1)) == 1
    account.refresh_from_db()
    assert account.balance == 0


def test_points_that_never_expire_stay():
    org = make_org("shop")
    settings = points_settings(org)
    settings.expire_after_years = None
    settings.save()
    account = open_account(make_customer(org, "K1"), AccountKind.POINTS, actor=None)
    earn(account, 500, date(2022, 3, 1))
    assert expire_points(org, on=date(2030, 1, 1)) == 0


# One step: (days after the previous step, what happens, how many points).
STEPS = st.lists(
    st.tuples(
        st.integers(0, 200),
        st.sampled_from(["earn", "spend", "expire"]),
        st.integers(1, 500),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_expiry_matches_a_fifo_model_on_random_sequences(steps):
    # Entries are immutable: each example has its own organization.
    org = make_org()
    account = open_account(make_customer(org), AccountKind.POINTS, actor=None)
    lots: list[list] = []  # [expires_on, remaining], taken in expiry order
    day = START
    for gap, what, amount in steps:
        day += timedelta(days=gap)
        if what == "earn":
            earn(account, amount, day)
            lots.append([date(day.year + 1, 12, 31), amount])
        elif what == "spend":
            balance = sum(rest for _exp, rest in lots)
            amount = min(amount, balance)
            if amount == 0:
                continue
            post(account, -amount, kind=EntryKind.SPEND, actor=None)
            for lot in sorted(lots, key=lambda lot: lot[0]):
                taken = min(lot[1], amount)
                lot[1] -= taken
                amount -= taken
        else:
            due = sum(rest for expires, rest in lots if expires < day)
            lots = [lot for lot in lots if lot[0] >= day]
            before = Account.objects.get(pk=account.pk).balance
            expire_points(org, on=day)
            expire_points(org, on=day)  # twice: nothing more
            after = Account.objects.get(pk=account.pk).balance
            assert before - after == due
        account.refresh_from_db()
        assert account.balance == sum(rest for _exp, rest in lots)
        assert account.balance >= 0


def test_the_command_and_the_nightly_task(capsys):
    org = make_org("shop")
    settings = points_settings(org)
    settings.enabled = True
    settings.save()
    make_staff(org, Role.ADMIN)
    account = open_account(make_customer(org, "K1"), AccountKind.POINTS, actor=None)
    earn(account, 100, date(2022, 3, 1))
    out = StringIO()
    call_command("wallet", "expire", "--date", "2024-01-01", "--org", "shop", stdout=out)
    assert "1" in out.getvalue()
    account.refresh_from_db()
    assert account.balance == 0
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("wallet", "expire", "--date", "2024-13-01", "--org", "shop")
    assert points_night(org.pk) == {"posted": 0, "expired": 0}


def test_the_membership_command_shows_and_changes_a_card():
    from revisit.wallet.membership import issue_temporary_card

    org = make_org("shop")
    customer = make_customer(org, "K1")
    issue_temporary_card(customer, actor=None)
    out = StringIO()
    call_command("wallet", "membership", "K1", "--org", "shop", stdout=out)
    assert "临时会员卡" in out.getvalue() or "Temporary" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("wallet", "membership", "K1", "--status", "suspended", "--org", "shop")
    call_command(
        "wallet",
        "membership",
        "K1",
        "--status",
        "suspended",
        "--reason",
        "挂失",
        "--org",
        "shop",
        stdout=out,
    )
    assert customer.membership.changes.count() == 2
    with pytest.raises(CommandError, match="K9"):
        call_command("wallet", "membership", "K9", "--org", "shop")
