"""Build the demo medical-aesthetics group: stores, staff, customers and three years of
orders with a heavy tail, seasonality, dormant customers, promotions and refunds.

Everything is drawn from one seeded numpy Generator, so a seed and an as-of date give
the same organization every time. Rows are written in bulk (COPY on PostgreSQL).
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from revisit.appointments.shifts import install_demo_roster
from revisit.core.audit import record_event
from revisit.core.bulk import insert_rows
from revisit.core.models import Department, Organization, Region, Role, RoleAssignment, Staff, Store
from revisit.customers.models import Customer, MarketingConsent, Tag
from revisit.demo import catalog, people
from revisit.demo.referrals import build_referral_history
from revisit.demo.wallet import build_wallets
from revisit.grading.services import run_inventory
from revisit.journeys.services import install_default_journeys
from revisit.outreach.cadences import install_default_cadences
from revisit.outreach.strategies import install_default_strategies
from revisit.outreach.tasks import prepare_day
from revisit.referrals.models import Lead, Reward
from revisit.sales.models import Item, Order, OrderLine
from revisit.sales.services import refresh_last_visits
from revisit.wallet.models import Account, Entry

DEMO_PASSWORD = "demo12345"
DEFAULT_CODE = "demo"
DEFAULT_NAME = "悦颜医美集团"

# Relative order volume per calendar month: spring campaigns, the May anniversary,
# mid-year "618", the autumn peak around Double 11 and the rush before Spring Festival.
MONTH_WEIGHT = np.array([1.15, 0.8, 1.0, 1.05, 1.35, 1.2, 0.85, 0.85, 0.95, 1.0, 1.4, 1.2])
CHANNELS = ["search", "social", "ecommerce", "referral", "walk_in", "mini_program", "phone"]
CHANNEL_P = [0.22, 0.24, 0.14, 0.16, 0.12, 0.08, 0.04]
TAGS = ["敏感肌", "怕疼", "VIP沙龙", "术后关怀"]
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class DemoExists(Exception):
    """The demo organization is already there."""


@dataclass(frozen=True)
class DemoSummary:
    organization: Organization
    customers: int
    orders: int
    lines: int


def demo_logins(organization: Organization) -> list[tuple[str, str, str]]:
    """(username, role, where) for each demo login, in a stable order."""
    rows = []
    for a in (
        RoleAssignment.objects.filter(staff__organization=organization)
        .select_related("staff", "store", "region")
        .order_by("staff__id")
    ):
        rows.append((a.staff.username, str(a.get_role_display()), str(a.store or a.region or "")))
    return rows


def build_demo(
    *,
    code: str = DEFAULT_CODE,
    name: str = DEFAULT_NAME,
    customers: int = 12_000,
    seed: int = 20240501,
    years: int = 3,
    as_of: date | None = None,
    replace: bool = False,
) -> DemoSummary:
    """Create (or with ``replace`` re-create) the demo organization."""
    if customers < 1 or years < 1:
        raise ValueError("客户数和年数必须为正 (customers and years must be positive)")
    as_of = as_of or timezone.localdate()
    existing = Organization.objects.filter(code=code).first()
    if existing and not replace:
        raise DemoExists(
            f"演示机构 {code} 已存在；如需重建请加 --replace "
            f"(demo organization {code!r} exists: use --replace)"
        )
    rng = np.random.default_rng(seed)
    with transaction.atomic():
        if existing:
            _delete_organization(existing)
        org = Organization.objects.create(code=code, name=name)
        stores, staff = _structure(org)
        items = _catalog(org)
        customer_ids, cust = _customers(org, rng, customers, years, as_of, stores, staff)
        orders, lines = _orders(org, rng, cust, customer_ids, as_of, stores, staff, items)
        refresh_last_visits(org)
        accounts, entries = build_wallets(org, rng, as_of)
        build_referral_history(org, rng)
        install_default_strategies(org)
        install_default_cadences(org)
        install_default_journeys(org)
        install_demo_roster(org)
        record_event(
            org,
            actor=None,
            action="demo.create",
            target=org,
            customers=customers,
            seed=seed,
            orders=orders,
            lines=lines,
            wallet_accounts=accounts,
            wallet_entries=entries,
            as_of=as_of.isoformat(),
        )
    _first_inventories(org, as_of)
    return DemoSummary(org, customers, orders, lines)


def _first_inventories(org: Organization, as_of: date) -> None:
    """Two inventories a quarter apart (so movements show) and today's call lists, so
    every page has something to show on first login."""
    run_inventory(org, as_of=as_of - timedelta(days=91))
    run_inventory(org, as_of=as_of)
    if as_of == timezone.localdate():
        prepare_day(org.pk)


def ensure_demo(**options) -> DemoSummary | None:
    """Create the demo organization only when the database has no organization at all."""
    if Organization.objects.exists():
        return None
    return build_demo(**options)


def _delete_organization(org: Organization) -> None:
    # Ledgers and referrals protect the customers and orders they name.
    Reward.objects.filter(organization=org).delete()
    Lead.objects.filter(organization=org).delete()
    Entry.objects.filter(organization=org)._raw_delete(Entry.objects.db)
    Account.objects.filter(organization=org).delete()
    OrderLine.objects.filter(organization=org).delete()
    Order.objects.filter(organization=org).delete()
    Customer.objects.filter(organization=org).delete()
    RoleAssignment.objects.filter(staff__organization=org).delete()
    Staff.objects.filter(organization=org).delete()
    org.delete()


def _structure(org: Organization):
    regions = {
        rcode: Region.objects.create(organization=org, code=rcode, name=rname)
        for rcode, rname in people.REGIONS
    }
    stores = {
        scode: Store.objects.create(organization=org, code=scode, name=sname, region=regions[r])
        for scode, sname, r in people.STORES
    }
    departments = {
        kind: Department.objects.create(organization=org, kind=kind, name=dname)
        for kind, dname in people.DEPARTMENTS
    }
    staff = {}
    for username, display, role, where, dept in people.STAFF:
        member = Staff.objects.create_user(
            username=username if org.code == DEFAULT_CODE else f"{org.code}-{username}",
            password=DEMO_PASSWORD,
            organization=org,
            display_name=display,
            department=departments.get(dept),
            is_staff=role == Role.ADMIN,
        )
        RoleAssignment.objects.create(
            staff=member,
            role=role,
            region=regions[where] if role == Role.REGION_SUPERVISOR else None,
            store=stores.get(where) if role not in (Role.ADMIN, Role.REGION_SUPERVISOR) else None,
        )
        staff[username] = (member, role, where)
    return stores, staff


def _catalog(org: Organization) -> list[Item]:
    items = [
        Item(
            organization=org,
            code=code,
            name=name,
            category=category,
            list_price=catalog.list_price(price),
            price_level=level,
            is_promo=promo,
            is_expert=expert,
        )
        for code, name, category, price, level, promo, expert, _ in catalog.ITEMS
    ]
    return Item.objects.bulk_create(items)


def _staff_ids(staff, role: str, store_code: str) -> list[int]:
    return [m.pk for m, r, where in staff.values() if r == role and where == store_code]


def _customers(org, rng, n, years, as_of, stores, staff):
    """Insert the customers; return their ids and the per-customer arrays."""
    store_codes = list(stores)
    home = rng.choice(len(store_codes), size=n, p=[0.45, 0.25, 0.30])
    span_days = years * 365
    first_back = rng.integers(7, span_days, size=n)
    female = rng.random(n) < 0.9
    birth_year = rng.integers(1965, 2006, size=n)
    birthday_day = rng.integers(0, 365, size=n)
    lunar = rng.random(n) < 0.12
    prefixes = rng.choice(people.MOBILE_PREFIXES, size=n)
    suffixes = rng.choice(100_000_000, size=n, replace=False)
    channels = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
    has_owner = rng.random(n) < 0.82
    owner_pick = rng.integers(0, 1_000_000, size=n)
    surname = rng.integers(0, len(people.SURNAMES), size=n)
    given1 = rng.integers(0, 1_000_000, size=n)
    given2 = rng.integers(0, 1_000_000, size=n)
    two_chars = rng.random(n) < 0.6
    satisfaction = rng.choice(
        ["", "", "", "very_satisfied", "satisfied", "neutral", "dissatisfied"], size=n
    )
    flagged = rng.random(n)
    now = timezone.now()
    owners_by_store = {s: _staff_ids(staff, Role.CONSULTANT, s) for s in store_codes}

    def rows():
        for i in range(n):
            store = store_codes[home[i]]
            given = people.GIVEN_FEMALE if female[i] else people.GIVEN_MALE
            name = people.SURNAMES[surname[i]] + given[given1[i] % len(given)]
            if two_chars[i]:
                name += given[given2[i] % len(given)]
            owners = owners_by_store[store]
            owner = owners[owner_pick[i] % len(owners)] if has_owner[i] and owners else None
            dispute = flagged[i] < 0.004
            blacklisted = flagged[i] < 0.002
            yield (
                org.pk,
                f"C{i + 1:07d}",
                name,
                "F" if female[i] else "M",
                date(int(birth_year[i]), 1, 1) + timedelta(days=int(birthday_day[i])),
                bool(lunar[i]),
                f"+86{prefixes[i]}{suffixes[i]:08d}",
                "valid",
                CHANNELS[channels[i]],
                as_of - timedelta(days=int(first_back[i])),
                owner,
                stores[store].pk,
                "",
                str(satisfaction[i]),
                bool(dispute),
                bool(blacklisted),
                "术后效果纠纷" if dispute else "",
                "",
                "",
                "[]" if flagged[i] > 0.03 else json.dumps(["anxious"]),
                now,
                now,
            )

    insert_rows(
        Customer._meta.db_table,
        [
            "organization_id",
            "code",
            "name",
            "gender",
            "birthday",
            "birthday_is_lunar",
            "mobile",
            "phone_status",
            "channel",
            "first_visit",
            "owner_id",
            "home_store_id",
            "tier",
            "satisfaction",
            "is_dispute",
            "is_blacklisted",
            "blacklist_reason",
            "notes",
            "potential_needs",
            "risk_flags",
            "created_at",
            "updated_at",
        ],
        rows(),
    )
    ids = np.array(
        Customer.objects.filter(organization=org).order_by("code").values_list("pk", flat=True)
    )
    _tags_and_consents(org, rng, ids, now)
    return ids, {"home": home, "first_back": first_back, "store_codes": store_codes}


def _tags_and_consents(org, rng, ids, now):
    tags = Tag.objects.bulk_create([Tag(organization=org, name=t) for t in TAGS])
    tagged = rng.random(len(ids)) < 0.1
    which = rng.integers(0, len(tags), size=len(ids))
    insert_rows(
        Customer.tags.through._meta.db_table,
        ["customer_id", "tag_id"],
        ((int(ids[i]), tags[which[i]].pk) for i in np.flatnonzero(tagged)),
    )
    sms = rng.random(len(ids))
    call_opt_out = rng.random(len(ids)) < 0.04
    rows = []
    for i in range(len(ids)):
        if sms[i] < 0.6:
            rows.append((int(ids[i]), "sms", True, now, "到院登记"))
        elif sms[i] < 0.65:
            rows.append((int(ids[i]), "sms", False, now, "短信退订"))
        if call_opt_out[i]:
            rows.append((int(ids[i]), "call", False, now, "电话中要求不再来电"))
    insert_rows(
        MarketingConsent._meta.db_table,
        ["customer_id", "channel", "granted", "recorded_at", "source"],
        rows,
    )


def _orders(org, rng, cust, customer_ids, as_of, stores, staff, items):
    """Insert orders and lines; return their counts."""
    n = len(customer_ids)
    first_back = cust["first_back"]
    buyer = rng.random(n) >= 0.12  # the rest are prospects: consulted, never paid
    dormant = rng.random(n) < 0.4
    life = np.where(dormant, rng.exponential(260, size=n).astype(int) + 1, first_back)
    active_days = np.minimum(life, first_back)
    rate = rng.lognormal(np.log(4.4), 0.95, size=n)  # orders per year, heavy-tailed
    extra = rng.poisson(rate * active_days / 365.0)
    per_customer = np.where(buyer, 1 + extra, 0)
    owner_of = np.repeat(np.arange(n), per_customer)
    total = len(owner_of)
    # Day offsets from the first visit; the first order is on the first visit itself.
    starts = np.concatenate(([0], np.cumsum(per_customer)[:-1]))
    is_first = np.zeros(total, dtype=bool)
    is_first[starts[buyer]] = True
    offsets = _seasonal_offsets(rng, active_days[owner_of], as_of, first_back[owner_of])
    offsets[is_first] = 0
    day_back = first_back[owner_of] - offsets
    order_dates = [as_of - timedelta(days=int(d)) for d in range(int(first_back.max()) + 1)]

    wealth = rng.lognormal(0, 0.8, size=n)
    band = np.digitize(wealth, np.quantile(wealth, [0.45, 0.85]))  # 0 low, 1 mid, 2 high
    prices = np.array([i[3] for i in catalog.ITEMS], dtype=float)
    popularity = np.array([i[7] for i in catalog.ITEMS], dtype=float)
    band_p = []
    for alpha in (-0.45, 0.05, 0.55):
        p = popularity * prices**alpha
        band_p.append(p / p.sum())
    lines_per_order = 1 + rng.poisson(0.55, size=total)
    line_order = np.repeat(np.arange(total), lines_per_order)
    n_lines = len(line_order)
    line_band = band[owner_of[line_order]]
    item_idx = np.empty(n_lines, dtype=int)
    for b in range(3):
        mask = line_band == b
        item_idx[mask] = rng.choice(len(items), size=int(mask.sum()), p=band_p[b])
    promo_item = np.array([i[5] for i in catalog.ITEMS])[item_idx]
    discounted = (rng.random(n_lines) < 0.22) & ~promo_item
    factor = np.where(discounted, rng.uniform(0.6, 0.85, n_lines), rng.uniform(0.92, 1.0, n_lines))
    is_product = np.array([i[2] == "产品" for i in catalog.ITEMS])[item_idx]
    quantity = np.where(is_product, rng.integers(1, 4, n_lines), 1)
    amount_yuan = np.round(prices[item_idx] * factor) * quantity
    refund = rng.random(n_lines) < 0.015

    store_codes = cust["store_codes"]
    order_store = np.where(
        rng.random(total) < 0.92, cust["home"][owner_of], rng.integers(0, len(store_codes), total)
    )
    consultants = {s: _staff_ids(staff, Role.CONSULTANT, s) for s in store_codes}
    doctors = {s: _staff_ids(staff, Role.PRACTITIONER, s) for s in store_codes}
    pick = rng.integers(0, 1_000_000, size=total)
    owners = dict(
        Customer.objects.filter(organization=org, owner__isnull=False).values_list("pk", "owner_id")
    )
    now = timezone.now()

    def order_rows():
        for k in range(total):
            store = store_codes[order_store[k]]
            cid = int(customer_ids[owner_of[k]])
            consultant = owners.get(cid)
            if consultant not in consultants[store]:
                pool = consultants[store]
                consultant = pool[pick[k] % len(pool)] if pool and pick[k] % 3 else None
            yield (
                org.pk,
                f"D{k + 1:08d}",
                cid,
                stores[store].pk,
                order_dates[int(day_back[k])],
                consultant,
                now,
            )

    insert_rows(
        Order._meta.db_table,
        [
            "organization_id",
            "order_no",
            "customer_id",
            "store_id",
            "order_date",
            "consultant_id",
            "created_at",
        ],
        order_rows(),
    )
    order_ids = np.array(
        Order.objects.filter(organization=org).order_by("order_no").values_list("pk", flat=True)
    )
    line_no = (
        np.arange(n_lines)
        - np.repeat(np.cumsum(lines_per_order) - lines_per_order, lines_per_order)
        + 1
    )
    item_ids = [i.pk for i in items]
    doc_pick = rng.integers(0, 1_000_000, size=n_lines)

    def line_rows():
        for j in range(n_lines):
            k = line_order[j]
            store = store_codes[order_store[k]]
            docs = doctors[store]
            doctor = docs[doc_pick[j] % len(docs)] if docs and not is_product[j] else None
            amount = Decimal(int(amount_yuan[j])).quantize(Decimal("0.01"))
            yield (
                int(order_ids[k]),
                int(line_no[j]),
                org.pk,
                int(customer_ids[owner_of[k]]),
                order_dates[int(day_back[k])],
                item_ids[item_idx[j]],
                int(quantity[j]),
                amount,
                doctor,
                bool(discounted[j] or promo_item[j]),
            )
            if refund[j]:
                # A refund is recorded on the same order as a negative line.
                yield (
                    int(order_ids[k]),
                    int(line_no[j]) + 100,
                    org.pk,
                    int(customer_ids[owner_of[k]]),
                    order_dates[int(day_back[k])],
                    item_ids[item_idx[j]],
                    int(quantity[j]),
                    -amount,
                    doctor,
                    False,
                )

    written = insert_rows(
        OrderLine._meta.db_table,
        [
            "order_id",
            "line_no",
            "organization_id",
            "customer_id",
            "order_date",
            "item_id",
            "quantity",
            "amount",
            "practitioner_id",
            "is_promo",
        ],
        line_rows(),
    )
    return total, written


def _seasonal_offsets(rng, active_days, as_of, first_back):
    """Day offsets after each customer's first visit within her active span, drawn more
    often in busy months (rejection sampling against MONTH_WEIGHT)."""
    total = len(active_days)
    offsets = np.zeros(total, dtype=np.int64)
    pending = np.arange(total)
    ordinal = as_of.toordinal()
    accept_p = MONTH_WEIGHT / MONTH_WEIGHT.max()
    for _ in range(8):
        if len(pending) == 0:
            break
        draw = (rng.random(len(pending)) * (active_days[pending] + 1)).astype(np.int64)
        ordinals = ordinal - (first_back[pending] - draw)
        days = (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]")
        months = days.astype("datetime64[M]").astype(np.int64) % 12
        keep = rng.random(len(pending)) < accept_p[months]
        offsets[pending[keep]] = draw[keep]
        offsets[pending[~keep]] = draw[~keep]  # kept if never accepted after the last round
        pending = pending[~keep]
    return offsets
