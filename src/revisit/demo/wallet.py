"""The demo's wallets: points earned on last year's spending (some redeemed), stored value
topped up with a bonus (充 1 万送 1 千) and spent, 美丽金 credit with expiry, course cards
sold as 疗程卡 items with sessions used since, and a few gift (体验卡) and family (亲情卡)
cards.

Written in bulk, as the ledger would write them: each account's entries are immutable
movements whose `balance_after` runs on from the previous one, the account's balance is
their sum and never goes below zero, and sessions and points are whole units (tests check
it). Draws come after every other draw of the build, so the rest of the demo is unchanged.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import Max, Sum

from revisit.core.bulk import insert_rows
from revisit.core.models import Organization
from revisit.customers.models import Customer
from revisit.sales.models import OrderLine
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind, ReferenceType

# Sessions a 疗程卡 item sells, by item code; the card covers its category's treatments.
CARD_SESSIONS = {"PR01": 6, "PR02": 10, "PR03": 24}
CARD_COVERS = "皮肤美容"
TOPUPS = [(3000, 0), (5000, 300), (10000, 1000)]  # (paid, bonus)
NOON_SHANGHAI = time(4, 0)  # 12:00 in Asia/Shanghai, stored in UTC
CENT = Decimal("0.01")


def _at(day: date) -> datetime:
    return datetime.combine(day, NOON_SHANGHAI, tzinfo=UTC)


class _Book:
    """Accounts and their entries, kept as plain rows until written."""

    def __init__(self, org: Organization):
        self.org = org
        self.accounts: list[dict] = []
        self.entries: dict[int, list[tuple]] = defaultdict(list)  # account index → movements

    def open(self, customer_id: int, kind: str, store_id: int | None, opened: date, **fields):
        self.accounts.append(
            {
                "customer_id": customer_id,
                "kind": kind,
                "store_id": store_id,
                "card_number": fields.get("card_number", ""),
                "item_id": fields.get("item_id"),
                "item_category": fields.get("item_category", ""),
                "unit_value": fields.get("unit_value"),
                "expires_on": fields.get("expires_on"),
                "holder_may_redeem": fields.get("holder_may_redeem", True),
                "opened_at": _at(opened),
            }
        )
        return len(self.accounts) - 1

    def move(self, account: int, day: date, kind: str, amount, **fields) -> None:
        self.entries[account].append((day, kind, Decimal(amount).quantize(CENT), fields))

    def write(self) -> tuple[int, int]:
        balances = {}
        for index, moves in self.entries.items():
            moves.sort(key=lambda m: m[0])
            balance = Decimal(0)
            for _day, _kind, amount, _fields in moves:
                balance += amount
                assert balance >= 0, "a demo wallet went below zero"
            balances[index] = balance
        org = self.org.pk
        columns = [
            "organization_id",
            "customer_id",
            "kind",
            "store_id",
            "card_number",
            "item_id",
            "item_category",
            "unit_value",
            "expires_on",
            "holder_may_redeem",
            "status",
            "balance",
            "opened_at",
        ]
        insert_rows(
            Account._meta.db_table,
            columns,
            (
                (
                    org,
                    a["customer_id"],
                    a["kind"],
                    a["store_id"],
                    a["card_number"],
                    a["item_id"],
                    a["item_category"],
                    a["unit_value"],
                    a["expires_on"],
                    a["holder_may_redeem"],
                    "active",
                    balances.get(i, Decimal("0.00")),
                    a["opened_at"],
                )
                for i, a in enumerate(self.accounts)
            ),
        )
        ids = {
            (customer_id, kind, card): pk
            for pk, customer_id, kind, card in Account.objects.filter(
                organization_id=org
            ).values_list("pk", "customer_id", "kind", "card_number")
        }

        def rows():
            for index, moves in self.entries.items():
                a = self.accounts[index]
                pk = ids[(a["customer_id"], a["kind"], a["card_number"])]
                balance = Decimal(0)
                for day, kind, amount, fields in moves:
                    balance += amount
                    yield (
                        org,
                        pk,
                        kind,
                        amount,
                        balance,
                        fields.get("reference_type", ReferenceType.MANUAL),
                        str(fields.get("reference_id", "")),
                        fields.get("reason", ""),
                        "",
                        fields.get("expires_on"),
                        _at(day),
                    )

        written = insert_rows(
            Entry._meta.db_table,
            [
                "organization_id",
                "account_id",
                "kind",
                "amount",
                "balance_after",
                "reference_type",
                "reference_id",
                "reason",
                "idempotency_key",
                "expires_on",
                "created_at",
            ],
            rows(),
        )
        return len(self.accounts), written


def build_wallets(org: Organization, rng: np.random.Generator, as_of: date) -> tuple[int, int]:
    """Write the demo's wallet accounts and entries; return (accounts, entries)."""
    book = _Book(org)
    year_ago = as_of - timedelta(days=365)
    homes = dict(Customer.objects.filter(organization=org).values_list("pk", "home_store_id"))
    spend = (
        OrderLine.objects.filter(organization=org, order_date__gt=year_ago, amount__gt=0)
        .values("customer_id")
        .annotate(total=Sum("amount"), last=Max("order_date"))
        .order_by("customer_id")
    )
    spenders = list(spend)
    _points(book, rng, spenders, homes, as_of)
    _stored_value(book, rng, spenders, homes, as_of)
    _credit(book, rng, spenders, homes, as_of)
    _course_cards(book, rng, org, as_of)
    _gift_and_family(book, rng, sorted(homes), homes, as_of)
    return book.write()


def _points(book, rng, spenders, homes, as_of):
    """One point per yuan spent in the last year, expiring at the end of next year; a
    quarter of the members redeemed part of theirs."""
    redeem = rng.random(len(spenders)) < 0.25
    share = rng.uniform(0.1, 0.6, len(spenders))
    later = rng.integers(1, 60, len(spenders))
    expires = date(as_of.year + 1, 12, 31)
    for k, r in enumerate(spenders):
        points = int(r["total"])
        if points <= 0:
            continue
        cid = r["customer_id"]
        account = book.open(cid, AccountKind.POINTS, homes.get(cid), r["last"])
        book.move(
            account,
            r["last"],
            EntryKind.EARN,
            points,
            expires_on=expires,
            reason="消费积分",
        )
        used = int(points * share[k])
        if redeem[k] and used > 0:
            day = min(as_of, r["last"] + timedelta(days=int(later[k])))
            book.move(account, day, EntryKind.SPEND, -used, reason="积分兑换")


def _stored_value(book, rng, spenders, homes, as_of):
    """A top-up (with its bonus) by one in eight of last year's customers, the bigger
    spenders more often, and a few spends since."""
    totals = np.array([float(r["total"]) for r in spenders]) if spenders else np.zeros(0)
    p = np.clip(0.06 + totals / 200_000, 0, 0.5)
    chosen = rng.random(len(spenders)) < p
    which = rng.integers(0, len(TOPUPS), len(spenders))
    back = rng.integers(0, 700, len(spenders))
    spends = rng.integers(0, 4, len(spenders))
    parts = rng.uniform(0.05, 0.35, (len(spenders), 3))
    gaps = rng.integers(5, 90, (len(spenders), 3))
    for k, r in enumerate(spenders):
        if not chosen[k]:
            continue
        cid = r["customer_id"]
        paid, bonus = TOPUPS[which[k]]
        day = as_of - timedelta(days=int(back[k]))
        account = book.open(cid, AccountKind.STORED_VALUE, homes.get(cid), day)
        book.move(account, day, EntryKind.TOPUP, paid, reason="储值充值")
        if bonus:
            book.move(account, day, EntryKind.TOPUP, bonus, reason=f"充{paid}送{bonus}")
        balance = Decimal(paid + bonus)
        for j in range(int(spends[k])):
            day = day + timedelta(days=int(gaps[k, j]))
            if day > as_of:
                break
            amount = Decimal(int(balance * Decimal(parts[k, j])))
            if amount <= 0:
                break
            book.move(account, day, EntryKind.SPEND, -amount, reason="储值消费")
            balance -= amount


def _credit(book, rng, spenders, homes, as_of):
    """美丽金 given to one in twelve as a rebate, valid for up to a year; some of it used."""
    chosen = rng.random(len(spenders)) < 0.08
    amounts = rng.choice([200, 300, 500, 800], len(spenders))
    back = rng.integers(0, 300, len(spenders))
    valid = rng.integers(60, 400, len(spenders))
    used = rng.random(len(spenders)) < 0.3
    for k, r in enumerate(spenders):
        if not chosen[k]:
            continue
        cid = r["customer_id"]
        day = as_of - timedelta(days=int(back[k]))
        expires = day + timedelta(days=int(valid[k]))
        if expires < as_of:
            expires = as_of + timedelta(days=int(valid[k]) % 60 + 1)
        account = book.open(cid, AccountKind.CREDIT, homes.get(cid), day, expires_on=expires)
        book.move(
            account,
            day,
            EntryKind.EARN,
            int(amounts[k]),
            expires_on=expires,
            reference_type=ReferenceType.CAMPAIGN,
            reason="美丽金返利",
        )
        if used[k]:
            book.move(account, min(as_of, day + timedelta(days=20)), EntryKind.SPEND, -100)


def _course_cards(book, rng, org, as_of):
    """Every 疗程卡 line of the last year opened a card of that many sessions, valid for a
    year from the sale; about one session a month has been used since."""
    lines = list(
        OrderLine.objects.filter(
            organization=org,
            item__code__in=list(CARD_SESSIONS),
            amount__gt=0,
            order_date__gt=as_of - timedelta(days=365),
        )
        .values_list("pk", "customer_id", "order__store_id", "order_date", "item__code", "amount")
        .order_by("pk")
    )
    pace = rng.uniform(0.3, 1.3, len(lines))
    for k, (pk, cid, store, sold, code, amount) in enumerate(lines):
        sessions = CARD_SESSIONS[code]
        account = book.open(
            cid,
            AccountKind.COURSE_CARD,
            store,
            sold,
            card_number=f"LC{pk:08d}",
            item_category=CARD_COVERS,
            unit_value=(amount / sessions).quantize(CENT),
            expires_on=sold + timedelta(days=365),
        )
        book.move(
            account,
            sold,
            EntryKind.TOPUP,
            sessions,
            reference_type=ReferenceType.ORDER_LINE,
            reference_id=pk,
            reason="购买疗程卡",
        )
        months = (as_of - sold).days / 30
        used = min(sessions, int(months * pace[k]))
        for s in range(used):
            day = min(as_of, sold + timedelta(days=int(30 * (s + 1) / pace[k])))
            book.move(account, day, EntryKind.SPEND, -1, reason="疗程消耗")


def _gift_and_family(book, rng, customer_ids, homes, as_of):
    """A few 体验卡 (gift cards, valid three months) and 亲情卡 (family cards the holder
    gives away and cannot use herself)."""
    n = len(customer_ids)
    gift = rng.random(n) < 0.02
    family = rng.random(n) < 0.015
    back = rng.integers(0, 80, n)
    for k, cid in enumerate(customer_ids):
        day = as_of - timedelta(days=int(back[k]))
        if gift[k]:
            account = book.open(
                cid,
                AccountKind.GIFT_CARD,
                homes.get(cid),
                day,
                card_number=f"GC{k + 1:06d}",
                expires_on=day + timedelta(days=90),
            )
            book.move(account, day, EntryKind.TOPUP, 500, reason="体验卡")
        if family[k]:
            account = book.open(
                cid,
                AccountKind.FAMILY_CARD,
                homes.get(cid),
                day,
                card_number=f"FC{k + 1:06d}",
                holder_may_redeem=False,
            )
            book.move(account, day, EntryKind.TOPUP, 2000, reason="亲情卡")
