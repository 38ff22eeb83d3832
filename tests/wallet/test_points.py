"""Points from orders: earned on import, once; reversed by refunds; rates, multipliers
and exclusions; cash-back as credit; temporary → formal membership with the day-5 task."""

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.imports.services import import_orders
from revisit.outreach.models import Campaign, ScheduledContact
from revisit.sales.models import Item, OrderLine
from revisit.wallet.ledger import WalletError
from revisit.wallet.membership import (
    CARD_READY_REASON,
    hand_over_card,
    set_membership_status,
)
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind
from revisit.wallet.points import points_settings, post_order_points
from revisit.wallet.points_models import MembershipCard, MembershipStatus
from revisit.wallet.redemption import cashback_preview, redeem_cashback
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

HEAD = ["收费单号", "客户编号", "收费日期", "项目", "项目类别", "数量", "实收金额"]
NOW = datetime(2024, 6, 10, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"


@pytest.fixture
def shop():
    org = make_org("shop")
    store = make_store(org, "S1")
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    settings = points_settings(org)
    settings.enabled = True
    settings.save()
    return org, store, manager


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEAD, *rows])
    return path


def make_coat(org) -> Item:
    return Item.objects.create(organization=org, code="coat", name="大衣", category="外套")


def points_of(code) -> int:
    account = Account.objects.filter(customer__code=code, kind=AccountKind.POINTS).first()
    if account is None:
        return 0
    total = account.entries.aggregate(s=Sum("amount"))["s"] or 0
    assert total == account.balance  # the ledger's invariant after a batch
    return int(account.balance)


def test_imported_orders_earn_once_and_refunds_reverse(shop, tmp_path):
    org, _store, manager = shop
    first = write(
        tmp_path / "a.csv",
        [
            ["A1", "K1", "2024-05-01", "衬衫", "上衣", "1", "399.90"],
            ["A1", "K1", "2024-05-01", "领带", "配饰", "1", "200"],
            ["A2", "K2", "2024-05-02", "西装", "正装", "1", "1500"],
        ],
    )
    import_orders(org, first, actor=manager)
    assert (points_of("K1"), points_of("K2")) == (599, 1500)
    import_orders(org, first, actor=manager)  # the same file again
    assert (points_of("K1"), points_of("K2")) == (599, 1500)
    assert Entry.objects.filter(kind=EntryKind.EARN).count() == 3
    keys = set(Entry.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"line:{pk}" for pk in OrderLine.objects.values_list("pk", flat=True)}
    # The tie is refunded (a negative line): exactly its 200 points go.
    refund = write(tmp_path / "r.csv", [["R1", "K1", "2024-05-03", "领带", "配饰", "1", "-200"]])
    import_orders(org, refund, actor=manager)
    assert points_of("K1") == 399
    entry = Entry.objects.get(kind=EntryKind.REFUND)
    assert entry.amount == -200 and entry.expires_on is None
    import_orders(org, refund, actor=manager)
    assert points_of("K1") == 399
    # Lots expire at the end of the following year.
    assert set(Entry.objects.filter(kind=EntryKind.EARN).values_list("expires_on", flat=True)) == {
        date(2025, 12, 31)
    }
    assert AuditEvent.objects.filter(action="wallet.earn_orders").count() == 2


def test_a_refund_takes_no_more_than_the_balance_and_the_purchase_earned(shop):
    org, _store, manager = shop
    customer = make_customer(org, "K1")
    coat = make_coat(org)
    make_order(customer, "1000", on=date(2024, 5, 1), item=coat)
    post_order_points(org, now=NOW)
    earned = Entry.objects.get(kind=EntryKind.EARN)
    assert earned.created_at == NOW and earned.balance_after == 1000
    redeem_cashback(customer, actor=manager, now=NOW)  # 1000 points → ¥10 credit
    assert points_of("K1") == 0
    make_order(customer, "-1000", on=date(2024, 5, 2), item=coat)
    post_order_points(org, now=NOW)
    assert points_of("K1") == 0  # nothing left to take
    # A refund larger than the purchase reverses only what the purchase earned.
    make_order(customer, "300", on=date(2024, 5, 3), item=coat)
    make_order(customer, "-5000", on=date(2024, 5, 4), item=coat)
    post_order_points(org, now=NOW)
    assert points_of("K1") == 0


def test_a_refund_entered_before_its_same_day_purchase_is_reversed_in_the_first_run(shop):
    org, _store, _manager = shop
    customer = make_customer(org, "K1")
    coat = make_coat(org)
    make_order(customer, "-400", on=date(2024, 5, 1), item=coat)  # the lower line id
    make_order(customer, "1000", on=date(2024, 5, 1), item=coat)
    assert post_order_points(org, now=NOW) == 2
    assert points_of("K1") == 600
    assert post_order_points(org, now=NOW) == 0  # run again: nothing more


def test_a_refund_that_found_nothing_left_never_takes_later_points(shop):
    org, _store, manager = shop
    customer = make_customer(org, "K1")
    coat = make_coat(org)
    make_order(customer, "1000", on=date(2024, 5, 1), item=coat)
    post_order_points(org, now=NOW)
    redeem_cashback(customer, actor=manager, now=NOW)  # all 1000 points spent
    make_order(customer, "-1000", on=date(2024, 5, 2), item=coat)
    post_order_points(org, now=NOW)
    refund = Entry.objects.get(kind=EntryKind.REFUND)
    assert refund.amount == 0  # settled at its turn: there was nothing to take
    # A later purchase, posted by its import's hook (only the new lines) ...
    last = OrderLine.objects.order_by("-pk").first().pk
    make_order(customer, "500", on=date(2024, 5, 3), item=coat)
    post_order_points(org, after_line_id=last, now=NOW)
    assert points_of("K1") == 500
    # ... and the nightly sweep over every line: the old refund is not made again.
    assert post_order_points(org, now=NOW) == 0
    assert points_of("K1") == 500


def test_category_rates_tier_and_campaign_multipliers_and_exclusions(shop):
    org, _store, _manager = shop
    settings = points_settings(org)
    settings.points_per_yuan = Decimal("2")
    settings.category_rates = {"正装": "1.5"}
    settings.excluded_categories = ["特价"]
    settings.tier_multipliers = {"A": "2"}
    campaign = Campaign.objects.create(
        organization=org, name="店庆", starts_on=date(2024, 5, 10), ends_on=date(2024, 5, 12)
    )
    settings.campaign_multipliers = {str(campaign.pk): "3"}
    settings.save()
    suit = Item.objects.create(organization=org, code="suit", name="西装", category="正装")
    sale = Item.objects.create(organization=org, code="sale", name="清仓", category="特价")
    promo = Item.objects.create(organization=org, code="p", name="赠品", category="", is_promo=True)
    plain = make_customer(org, "P")
    gold = make_customer(org, "G", tier="A")
    make_order(plain, "100", on=date(2024, 5, 1), item=suit)  # 100 × 2 × 1.5 = 300
    make_order(plain, "100", on=date(2024, 5, 11))  # campaign day: 100 × 2 × 3 = 600
    make_order(plain, "100", on=date(2024, 5, 1), item=sale)  # excluded category
    make_order(plain, "100", on=date(2024, 5, 1), item=promo)  # promotional item
    make_order(gold, "100", on=date(2024, 5, 1), item=suit)  # tier A: 100 × 2 × 1.5 × 2
    post_order_points(org, now=NOW)
    assert (points_of("P"), points_of("G")) == (900, 600)


def test_lines_before_earn_from_and_a_program_off_earn_nothing(shop):
    org, _store, _manager = shop
    settings = points_settings(org)
    settings.earn_from = date(2024, 5, 1)
    settings.save()
    customer = make_customer(org, "K1")
    make_order(customer, "100", on=date(2024, 4, 30))
    make_order(customer, "100", on=date(2024, 5, 1))
    assert post_order_points(org, now=NOW) == 1
    settings.enabled = False
    settings.save()
    make_order(customer, "100", on=date(2024, 5, 2))
    assert post_order_points(org, now=NOW) == 0
    assert points_of("K1") == 100


def test_cashback_takes_whole_n_points_and_gives_credit(shop):
    org, _store, manager = shop
    settings = points_settings(org)
    settings.cashback_every_points, settings.cashback_amount = 500, Decimal("20")
    settings.save()
    customer = make_customer(org, "K1")
    make_order(customer, "1234", on=date(2024, 5, 1))
    post_order_points(org, now=NOW)
    assert cashback_preview(customer) == (1000, Decimal("40"))
    points, credit = redeem_cashback(customer, actor=manager, now=NOW)
    assert points.amount == -1000 and credit.amount == Decimal("40")
    assert points_of("K1") == 234
    credit_account = Account.objects.get(customer=customer, kind=AccountKind.CREDIT)
    assert credit_account.balance == Decimal("40")
    with pytest.raises(WalletError):
        redeem_cashback(customer, actor=manager, now=NOW)


def test_temporary_card_becomes_formal_at_the_threshold_with_the_day_five_task(shop):
    org, store, manager = shop
    customer = make_customer(org, "K1", home_store=store)
    make_order(customer, "600", on=date(2024, 6, 1))
    post_order_points(org, now=NOW)
    card = MembershipCard.objects.get(customer=customer)
    assert card.status == MembershipStatus.TEMPORARY and card.card_number == f"M{customer.pk:08d}"
    assert not ScheduledContact.objects.filter(reason=CARD_READY_REASON).exists()
    make_order(customer, "399", on=date(2024, 6, 9))
    post_order_points(org, now=NOW)
    card.refresh_from_db()
    assert card.status == MembershipStatus.TEMPORARY  # 999 < 1000
    make_order(customer, "1", on=date(2024, 6, 10))
    post_order_points(org, now=NOW)
    card.refresh_from_db()
    assert card.status == MembershipStatus.FORMAL
    assert card.formal_on == date(2024, 6, 10) and card.card_ready_on == date(2024, 6, 15)
    contact = ScheduledContact.objects.get(customer=customer, reason=CARD_READY_REASON)
    assert contact.due_on == date(2024, 6, 15)
    assert list(card.changes.values_list("from_status", "to_status")) == [
        ("", "temporary"),
        ("temporary", "formal"),
    ]
    # More points later: no second promotion, no second task.
    make_order(customer, "500", on=date(2024, 6, 11))
    post_order_points(org, now=NOW + timedelta(days=1))
    assert ScheduledContact.objects.filter(reason=CARD_READY_REASON).count() == 1
    with pytest.raises(WalletError):
        hand_over_card(card, how="mailed", actor=manager)  # no address
    hand_over_card(card, how="mailed", address="上海市南京路 1 号", actor=manager)
    contact.refresh_from_db()
    assert contact.status == ScheduledContact.Status.DONE
    set_membership_status(card, "suspended", actor=manager, reason="挂失")
    card.refresh_from_db()
    assert card.status == "suspended" and card.changes.count() == 3
    with pytest.raises(WalletError):
        set_membership_status(card, "formal", actor=manager, reason="")


def test_the_points_of_a_customer_of_another_org_are_not_posted_there(shop):
    org, _store, _manager = shop
    other = make_org("other")
    make_order(make_customer(other, "X"), "500")
    assert post_order_points(org, now=NOW) == 0
    assert not Customer.objects.get(code="X").wallet_accounts.exists()
