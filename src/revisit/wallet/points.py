"""Points earned on orders (seed 003: the member card's points).

An order line earns `floor(amount × points per yuan × category rate × tier multiplier ×
campaign multiplier)` points, unless it is a promotional item or of an excluded
category. Its entry has the idempotency key `line:<order line id>`, so a re-imported
order earns nothing twice. A refund (a line with a negative amount) reverses what the
refunded purchase earned: the customer's latest earlier earning line of the same item
gives the rate, and no more than that line earned (nor more than her balance) is taken.

Posting is set-based (`revisit.wallet.bulk.post_batch`): one read of the new lines, one
bulk insert, one balance update, however many lines an import brings.
"""

import math
from datetime import date
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from revisit.core.models import Organization, Staff
from revisit.customers.models import Customer
from revisit.sales.models import Item, OrderLine
from revisit.wallet.bulk import date_param, ensure_accounts, post_batch, quote
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind, ReferenceType, keyed
from revisit.wallet.points_models import PointsSettings

LINE_KEY = "line:"


def points_settings(organization: Organization) -> PointsSettings:
    """The organization's points rules (created with the defaults on first use)."""
    settings, _ = PointsSettings.objects.get_or_create(organization=organization)
    return settings


def lot_expiry(settings: PointsSettings, earned_on: date) -> date | None:
    """When points earned on `earned_on` expire: the end of the year N years later
    (N = 1 by default: the end of the following year); None: never."""
    if settings.expire_after_years is None:
        return None
    return date(earned_on.year + settings.expire_after_years, 12, 31)


def _campaign_windows(settings: PointsSettings, organization: Organization) -> list[tuple]:
    from revisit.outreach.models import Campaign

    wanted = {}
    for key, value in (settings.campaign_multipliers or {}).items():
        try:
            wanted[int(key)] = Decimal(str(value))
        except (ValueError, ArithmeticError):
            continue
    windows = []
    for campaign in Campaign.objects.filter(organization=organization, pk__in=list(wanted)):
        windows.append(
            (campaign.starts_on, campaign.last_day, campaign.categories or [], wanted[campaign.pk])
        )
    return windows


def line_points(
    settings: PointsSettings, lines: pl.DataFrame, organization: Organization
) -> pl.DataFrame:
    """Add `points` to `lines` (amount, category, tier, order_date, line_promo,
    item_promo): what each positive line earns under the rules (refunds: 0 here)."""
    base = float(settings.points_per_yuan)
    rates = {str(k): float(Decimal(str(v))) for k, v in (settings.category_rates or {}).items()}
    tiers = {str(k): float(Decimal(str(v))) for k, v in (settings.tier_multipliers or {}).items()}
    category = pl.col("category").fill_null("")
    rate = pl.lit(base) * category.replace_strict(rates, default=1.0, return_dtype=pl.Float64)
    rate = rate * pl.col("tier").fill_null("").replace_strict(
        tiers, default=1.0, return_dtype=pl.Float64
    )
    campaign = pl.lit(1.0)
    for starts, ends, categories, multiplier in _campaign_windows(settings, organization):
        applies = pl.col("order_date").is_between(starts, ends)
        if categories:
            applies = applies & category.is_in(categories)
        campaign = (
            pl.when(applies)
            .then(pl.max_horizontal(campaign, float(multiplier)))
            .otherwise(campaign)
        )
    excluded = category.is_in(list(settings.excluded_categories or []))
    if settings.exclude_promo:
        excluded = excluded | pl.col("line_promo") | pl.col("item_promo").fill_null(False)
    # A small epsilon: 0.1 × 30 is 2.9999… in binary floating point.
    earned = ((pl.col("amount") * rate * campaign) + 1e-6).floor().cast(pl.Int64)
    return lines.with_columns(
        pl.when(excluded | (pl.col("amount") <= 0)).then(0).otherwise(earned).alias("points")
    )


LINE_SCHEMA = {
    "line_id": pl.Int64,
    "customer_id": pl.Int64,
    "item_id": pl.Int64,
    "order_date": pl.Date,
    "amount": pl.Float64,
    "line_promo": pl.Boolean,
    "category": pl.String,
    "item_promo": pl.Boolean,
    "tier": pl.String,
}


def _unposted_lines(organization: Organization, settings, after_id: int) -> pl.DataFrame:
    """Order lines of the organization (id > `after_id`) with no points entry yet."""
    line, item, customer, entry = (
        quote(m._meta.db_table) for m in (OrderLine, Item, Customer, Entry)
    )
    params: list = [organization.pk, after_id]
    since = ""
    if settings.earn_from:
        since = "AND l.order_date >= %s "
        params.append(date_param(settings.earn_from))
    params.append(organization.pk)
    sql = (
        "SELECT l.id, l.customer_id, l.item_id, l.order_date, l.amount, l.is_promo, "
        "i.category, i.is_promo, c.tier "
        f"FROM {line} l LEFT JOIN {item} i ON i.id = l.item_id "
        f"JOIN {customer} c ON c.id = l.customer_id "
        f"WHERE l.organization_id = %s AND l.id > %s AND l.amount <> 0 {since}"
        # Probed through the unique (organization, idempotency key) index, whose
        # condition `keyed` repeats (a probe by reference_id made SQLite scan the
        # entries once per line).
        f"AND NOT EXISTS (SELECT 1 FROM {entry} e WHERE e.organization_id = %s "
        f"AND {keyed('e')} "
        f"AND e.idempotency_key = '{LINE_KEY}' || CAST(l.id AS {_text()})) "
        "ORDER BY l.order_date, l.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pl.DataFrame(
        [
            (r[0], r[1], r[2], r[3], float(r[4]), bool(r[5]), r[6], bool(r[7] or False), r[8])
            for r in rows
        ],
        schema=LINE_SCHEMA,
        orient="row",
    )
    return frame


def _text() -> str:
    return "TEXT" if connection.vendor == "sqlite" else "VARCHAR"


def _earned_before(organization: Organization, customer_ids: list[int]) -> pl.DataFrame:
    """The earning lines already posted for these customers: their item, date, amount
    and the points they earned (what a refund reverses)."""
    schema = {
        "customer_id": pl.Int64,
        "item_id": pl.Int64,
        "order_date": pl.Date,
        "line_id": pl.Int64,
        "earned_amount": pl.Float64,
        "earned_points": pl.Int64,
    }
    if not customer_ids:
        return pl.DataFrame(schema=schema)
    rows = []
    earned = Entry.objects.filter(
        organization=organization,
        kind=EntryKind.EARN,
        reference_type=ReferenceType.ORDER_LINE,
        account__customer_id__in=customer_ids,
    ).values_list("reference_id", "amount")
    points_by_line = {int(ref): int(amount) for ref, amount in earned if ref.isdigit()}
    for line in OrderLine.objects.filter(pk__in=list(points_by_line)).values_list(
        "customer_id", "item_id", "order_date", "pk", "amount"
    ):
        rows.append((*line[:4], float(line[4]), points_by_line[line[3]]))
    return pl.DataFrame(rows, schema=schema, orient="row")


def _refund_points(organization: Organization, lines: pl.DataFrame) -> pl.DataFrame:
    """Negative `points` for refund lines: the rate the refunded purchase earned at."""
    refunds = lines.filter(pl.col("amount") < 0)
    if refunds.is_empty():
        return lines
    customers = refunds["customer_id"].unique().to_list()
    earned = pl.concat(
        [
            _earned_before(organization, customers),
            lines.filter((pl.col("amount") > 0) & (pl.col("points") > 0)).select(
                "customer_id",
                "item_id",
                "order_date",
                "line_id",
                pl.col("amount").alias("earned_amount"),
                pl.col("points").alias("earned_points"),
            ),
        ]
    ).filter(pl.col("customer_id").is_in(customers))
    earned = earned.with_columns(pl.col("item_id").fill_null(-1)).sort("order_date", "line_id")
    matched = (
        refunds.with_columns(pl.col("item_id").fill_null(-1).alias("_item"))
        .sort("order_date", "line_id")
        .join_asof(
            earned.rename({"item_id": "_item", "line_id": "_earned_line"}),
            on="order_date",
            by=["customer_id", "_item"],
            strategy="backward",
            check_sortedness=False,  # both sides are sorted by date above
        )
    )
    reversed_points = matched.select(
        "line_id",
        pl.when(pl.col("earned_points").is_null())
        .then(0)
        .otherwise(
            -pl.min_horizontal(
                pl.col("earned_points"),
                (
                    -pl.col("amount") * pl.col("earned_points") / pl.col("earned_amount") + 1e-6
                ).floor(),
            )
        )
        .cast(pl.Int64)
        .alias("_refund"),
    )
    return (
        lines.join(reversed_points, on="line_id", how="left")
        .with_columns(
            pl.when(pl.col("amount") < 0)
            .then(pl.col("_refund").fill_null(0))
            .otherwise(pl.col("points"))
            .alias("points")
        )
        .drop("_refund")
    )


def _clamp_to_balance(rows: pl.DataFrame, balances: dict[int, Decimal]) -> pl.DataFrame:
    """A refund takes no more than the balance holds at its turn (the points may be
    spent already: the ledger never goes below zero)."""
    if not (rows["amount"] < 0).any():
        return rows
    amounts = []
    running: dict[int, int] = {}
    for account_id, amount in rows.select("account_id", "amount").iter_rows():
        balance = running.get(account_id, int(balances.get(account_id, 0)))
        if amount < 0:
            amount = -min(-amount, balance)
        running[account_id] = balance + amount
        amounts.append(amount)
    return rows.with_columns(pl.Series("amount", amounts, dtype=pl.Int64))


def post_order_points(
    organization: Organization,
    *,
    after_line_id: int = 0,
    actor: Staff | None = None,
    now=None,
) -> int:
    """Post the points of every order line of `organization` (with an id above
    `after_line_id`) that has no points entry yet: earns for purchases, reversals for
    refunds. Safe to run any number of times. Returns how many entries were posted.
    Then issues temporary cards and promotes members who reached the threshold."""
    from revisit.wallet.membership import issue_and_promote

    if not points_settings(organization).enabled:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        # One posting per organization at a time (an import's hook and the nightly
        # sweep): the second waits, then finds the lines posted.
        settings = PointsSettings.objects.select_for_update().get(organization=organization)
        lines = _unposted_lines(organization, settings, after_line_id)
        if lines.is_empty():
            return 0
        lines = _refund_points(organization, line_points(settings, lines, organization))
        # A day's purchases before its refunds: a refund of that day's purchase (often an
        # earlier line of the same order) must find the points it reverses on the balance.
        lines = lines.filter(pl.col("points") != 0).sort(
            "order_date", pl.col("points") < 0, "line_id"
        )
        if lines.is_empty():
            return 0
        accounts = ensure_accounts(
            organization, lines["customer_id"].unique().to_list(), AccountKind.POINTS, now=now
        )
        expiry = {
            year: lot_expiry(settings, date(year, 1, 1))
            for year in lines["order_date"].dt.year().unique().to_list()
        }
        rows = lines.select(
            pl.col("customer_id")
            .replace_strict(accounts, default=None, return_dtype=pl.Int64)
            .alias("account_id"),
            pl.when(pl.col("points") > 0)
            .then(pl.lit(EntryKind.EARN.value))
            .otherwise(pl.lit(EntryKind.REFUND.value))
            .alias("kind"),
            pl.col("points").alias("amount"),
            pl.lit(ReferenceType.ORDER_LINE.value).alias("reference_type"),
            pl.col("line_id").cast(pl.String).alias("reference_id"),
            (pl.lit(LINE_KEY) + pl.col("line_id").cast(pl.String)).alias("idempotency_key"),
            pl.when(pl.col("points") > 0)
            .then(
                pl.col("order_date")
                .dt.year()
                .replace_strict(expiry, default=None, return_dtype=pl.Date)
            )
            .otherwise(None)
            .alias("expires_on"),
            pl.lit("").alias("reason"),
        ).filter(pl.col("account_id").is_not_null())
        if (rows["amount"] < 0).any():
            balances = dict(
                Account.objects.filter(pk__in=rows["account_id"].unique().to_list()).values_list(
                    "pk", "balance"
                )
            )
            rows = _clamp_to_balance(rows, balances)
        # A refund clamped to nothing is posted as 0: settled at its turn, it must not
        # take points earned later on a later run.
        posted = post_batch(
            organization, rows, actor=actor, action="wallet.earn_orders", now=now, keep_zero=True
        )
        issue_and_promote(
            organization, posted["account_id"].unique().to_list(), actor=actor, now=now
        )
    return posted.height


def earned_points(amount, settings: PointsSettings, *, category="", tier="", promo=False) -> int:
    """What one purchase of `amount` earns under `settings` (no campaign): for a
    cashier's preview and for tests."""
    if promo and settings.exclude_promo or category in (settings.excluded_categories or []):
        return 0
    rate = Decimal(str(settings.points_per_yuan))
    rate *= Decimal(str((settings.category_rates or {}).get(category, 1)))
    rate *= Decimal(str((settings.tier_multipliers or {}).get(tier, 1)))
    return max(0, math.floor(Decimal(amount) * rate))
