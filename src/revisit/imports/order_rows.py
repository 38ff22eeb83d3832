"""Importing order lines: vectorized checks, natural keys, staged set-based writes.

An order line's natural key is (order number, line number within that order in the
file). A file without order numbers gets a key from each row's content (customer, date,
item, amount, quantity), so importing it again finds the same keys.
"""

import hashlib
from dataclasses import dataclass, field

import polars as pl
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer
from revisit.imports import checks
from revisit.imports.checks import (
    failed,
    passed,
    record_failures,
    record_rejections,
    text,
    too_long,
    with_failures,
)
from revisit.imports.lookups import staff_ids, store_ids
from revisit.imports.parsing import (
    once_per_value,
    parse_amount,
    parse_date,
    parse_flag,
    parse_quantity,
)
from revisit.imports.report import ImportReport, Rejection
from revisit.imports.scope import ImportScope, outside_reason
from revisit.imports.staging import Staging, insert_select, quote, roomy_joins, staged_keys
from revisit.sales.models import Item, Order, OrderLine
from revisit.sales.services import refresh_last_visits
from revisit.wallet.course_cards import apply_new_order_lines

OPTIONAL = [
    "order_no",
    "name",
    "phone",
    "item",
    "category",
    "quantity",
    "consultant",
    "practitioner",
    "store",
    "promo",
]
MAX_AMOUNT = 10**10  # the column holds 12 digits, 2 of them after the point
CHUNK = 5000


def _content_key(values: str) -> str:
    return "H" + hashlib.sha1(values.encode("utf-8")).hexdigest()[:24]


def _checked(frame: pl.DataFrame, scope: ImportScope, store: Store | None):
    organization = scope.organization
    for name in OPTIONAL:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    staff = staff_ids(organization, scope.store_ids)  # another store's staff: unknown
    stores = store_ids(organization)
    frame = frame.with_columns(
        text("customer_code").alias("customer_code"),
        text("order_no").alias("order_no"),
        text("item").alias("item"),
        text("category").alias("category"),
        once_per_value(frame, "order_date", parse_date, pl.Date).alias("date"),
        once_per_value(frame, "amount", parse_amount, pl.Decimal(18, 2)).alias("amount_value"),
        parse_quantity(pl.col("quantity")).alias("qty"),
        parse_flag(pl.col("promo")).alias("is_promo"),
        text("store").replace_strict(stores, default=None, return_dtype=pl.Int64).alias("store_id"),
        text("consultant")
        .replace_strict(staff, default=None, return_dtype=pl.Int64)
        .alias("consultant_id"),
        text("practitioner")
        .replace_strict(staff, default=None, return_dtype=pl.Int64)
        .alias("practitioner_id"),
    )
    rules = [
        (
            "customer_code",
            "客户编号为空 (customer code is empty)",
            pl.col("customer_code").is_null(),
        ),
        too_long("customer_code", 64, "客户编号"),
        too_long("order_no", 60, "单号"),
        ("order_date", "消费日期无法识别 (order date is not a date)", pl.col("date").is_null()),
        ("amount", "金额无法识别 (amount is not a number)", pl.col("amount_value").is_null()),
        (
            "amount",
            "金额超出范围 (amount out of range)",
            pl.col("amount_value").cast(pl.Float64).abs() >= MAX_AMOUNT,
        ),
        (
            "quantity",
            "数量应为正数 (quantity must be a positive number)",
            pl.col("qty").is_null() | (pl.col("qty") <= 0) | (pl.col("qty") >= 10**8),
        ),
        too_long("item", 200, "项目名称"),
        too_long("category", 100, "项目类别"),
        too_long("name", 100, "姓名"),
        *scope.rules(frame, stores),
    ]
    if store is None and scope.whole_organization:
        rules.append(
            (
                "store",
                "门店不存在 (unknown store)",
                text("store").is_not_null() & pl.col("store_id").is_null(),
            )
        )
    return with_failures(frame, rules), rules


@dataclass
class OrderPlan:
    """What an order import writes. `stage()` loads it into temporary tables (no lock
    on the main database), `apply()` moves it into the real tables inside the caller's
    transaction with a fixed number of set-based statements (`revisit.imports.staging`
    says why), `cleanup()` drops the temporary tables."""

    organization: Organization
    store: Store | None
    lines: pl.DataFrame  # new lines with their order key and line number
    orders: pl.DataFrame  # new orders: key, customer code, date, store, consultant
    new_customers: pl.DataFrame
    new_items: pl.DataFrame
    updates: pl.DataFrame  # changed lines: line_id, amount_value, qty, customer_code
    staging: Staging = field(default_factory=Staging)

    def stage(self) -> None:
        load = self.staging.load
        load("customers", self.new_customers, NEW_CUSTOMER_COLUMNS)
        load("items", self.new_items, {"item": "text", "category": "text"})
        load("orders", self.orders, ORDER_COLUMNS)
        load("lines", self.lines, LINE_COLUMNS)
        if self.updates.height:
            load("updates", self.updates, UPDATE_COLUMNS)
        # Customers whose last visit may change: those already there with new or changed
        # lines (a new customer is written with hers).
        codes = pl.concat(
            [self.lines.get_column("customer_code"), self.updates.get_column("customer_code")]
        )
        touched = (
            codes.unique()
            .to_frame("customer_code")
            .join(self.new_customers, on="customer_code", how="anti")
        )
        load("touched", touched, {"customer_code": "text"})

    def apply(self) -> None:
        org, now, table = self.organization, timezone.now(), self.staging.name
        customer, order, item = (quote(m._meta.db_table) for m in (Customer, Order, Item))
        roomy_joins()
        insert_select(
            Customer,
            {
                "code": "s.customer_code",
                "name": "COALESCE(s.name, '')",
                "mobile": "COALESCE(s.mobile, '')",
                "phone_status": "CASE WHEN s.mobile IS NULL THEN 'unknown' ELSE 'valid' END",
                "home_store_id": "s.store_id",
                "last_visit": "s.last_visit",
            },
            f"FROM {table('customers')} s",
            organization_id=org.pk,
            created_at=now,
            updated_at=now,
        )
        insert_select(
            Item,
            {
                "code": "substr(s.item, 1, 64)",
                "name": "s.item",
                "category": "COALESCE(s.category, '')",
            },
            f"FROM {table('items')} s",
            organization_id=org.pk,
        )
        insert_select(
            Order,
            {
                "order_no": "s.order_key",
                "customer_id": "c.id",
                "store_id": "s.store_id",
                "order_date": "s.date",
                "consultant_id": "s.consultant_id",
            },
            f"FROM {table('orders')} s JOIN {customer} c "
            "ON c.organization_id = %s AND c.code = s.customer_code",
            [org.pk],
            organization_id=org.pk,
            created_at=now,
        )
        # Course cards see only this import's new lines (a re-import adds none).
        last_line_id = OrderLine.objects.aggregate(last=Max("pk"))["last"]
        # A line's customer is its order's (checked when planning); its item is the one
        # of that name, else of that code.
        insert_select(
            OrderLine,
            {
                "order_id": "o.id",
                "line_no": "s.line_no",
                "customer_id": "o.customer_id",
                "order_date": "s.date",
                "item_id": "COALESCE(named.id, coded.id)",
                "quantity": "s.qty",
                "amount": "s.amount_value",
                "practitioner_id": "s.practitioner_id",
                "is_promo": "s.is_promo",
            },
            f"FROM {table('lines')} s "
            f"JOIN {order} o ON o.organization_id = %s AND o.order_no = s.order_key "
            f"LEFT JOIN (SELECT name, min(id) AS id FROM {item} WHERE organization_id = %s "
            "GROUP BY name) named ON named.name = s.item "
            f"LEFT JOIN (SELECT code, min(id) AS id FROM {item} WHERE organization_id = %s "
            "GROUP BY code) coded ON coded.code = s.item",
            [org.pk, org.pk, org.pk],
            organization_id=org.pk,
        )
        if self.updates.height:
            _update_lines(table("updates"))
        # Lines of course-card products sell cards; lines paid by a card (0) use sessions.
        apply_new_order_lines(org, after_id=last_line_id)
        refresh_last_visits(
            org,
            among=(
                f"SELECT c.id FROM {customer} c JOIN {table('touched')} t "
                "ON c.organization_id = %s AND c.code = t.customer_code",
                [org.pk],
            ),
        )

    def cleanup(self) -> None:
        self.staging.drop()


def _update_lines(updates: str) -> None:
    """The changed amounts and quantities, in one statement (only the changed ones)."""
    lines = quote(OrderLine._meta.db_table)
    amount, quantity = quote("amount"), quote("quantity")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {lines} SET "
            f"{amount} = CASE WHEN u.amount_changed THEN u.amount_value ELSE {lines}.{amount} END, "
            f"{quantity} = CASE WHEN u.qty_changed THEN u.qty ELSE {lines}.{quantity} END "
            f"FROM {updates} u WHERE {lines}.{quote('id')} = u.line_id"
        )


UPDATE_COLUMNS = {
    "line_id": "int",
    "amount_value": "decimal",
    "qty": "float",
    "customer_code": "text",
    "amount_changed": "bool",
    "qty_changed": "bool",
}
NEW_CUSTOMER_COLUMNS = {
    "customer_code": "text",
    "name": "text",
    "mobile": "text",
    "store_id": "int",
    "last_visit": "date",
}
ORDER_COLUMNS = {
    "order_key": "text",
    "customer_code": "text",
    "date": "date",
    "store_id": "int",
    "consultant_id": "int",
}
LINE_COLUMNS = {
    "order_key": "text",
    "line_no": "int",
    "date": "date",
    "item": "text",
    "qty": "float",
    "amount_value": "decimal",
    "practitioner_id": "int",
    "is_promo": "bool",
}


def _existing_customers(org, codes: pl.Series) -> pl.DataFrame:
    with staged_keys(codes) as keys:
        rows = list(
            Customer.objects.filter(organization=org, code__in=keys)
            .order_by()
            .values_list("code", "pk")
        )
    return pl.DataFrame(
        rows, schema={"customer_code": pl.String, "customer_id": pl.Int64}, orient="row"
    )


def _in_index_order(unique, new_orders, known, new_customers):
    """Lines, orders and new customers sorted as their ids will be: by customer (known
    ones by id, new ones after them by code, the order they are inserted in), then order,
    then line. Inserting in that order appends to the tables and to the indexes on
    customer and order instead of writing all over them: far fewer pages to touch while
    the apply holds the write lock (SQLite's one writer)."""
    new_customers = new_customers.sort("customer_code")
    after_known = 2**40  # above any id
    rank = new_customers.select(
        "customer_code",
        (pl.int_range(pl.len(), dtype=pl.Int64) + after_known).alias("_customer_key"),
    )
    keys = pl.concat(
        [known.select("customer_code", pl.col("customer_id").alias("_customer_key")), rank]
    )
    lines = (
        unique.join(keys, on="customer_code", how="left")
        .sort("_customer_key", "order_key", "line_no")
        .drop("_customer_key")
    )
    new_orders = (
        new_orders.join(keys, on="customer_code", how="left")
        .sort("_customer_key", "order_key")
        .drop("_customer_key")
    )
    return lines, new_orders, new_customers


def _item_ids(org) -> dict[str, int]:
    ids = {}
    for pk, code, name in Item.objects.filter(organization=org).values_list("pk", "code", "name"):
        ids.setdefault(code, pk)
        ids[name] = pk
    return ids


def plan_orders(
    scope: ImportScope, frame: pl.DataFrame, report: ImportReport, *, store: Store | None
) -> OrderPlan:
    """Check rows, record rejections, duplicates and warnings, return what to write. Only
    customers inside `scope` get orders (and are created when new)."""
    organization = scope.organization
    frame, rules = _checked(frame, scope, store)
    record_failures(report.rejections, failed(frame), rules)
    good = passed(frame).drop("_failed")
    data_columns = [c for c in good.columns if c != "row"]
    unique = good.filter(pl.struct(data_columns).is_first_distinct())
    report.duplicates += good.height - unique.height
    for name, label in (("consultant", "咨询师"), ("practitioner", "医生/美容师")):
        unknown = unique.filter(text(name).is_not_null() & pl.col(f"{name}_id").is_null())
        for row, value in unknown.select("row", name).iter_rows():
            report.warnings.append(
                Rejection(row, name, f"找不到该员工，{label}留空 (unknown staff member)", value)
            )
    if store is not None:
        unique = unique.with_columns(pl.lit(store.pk, pl.Int64).alias("store_id"))
    # Natural keys: the order number, or the row's content when there is none.
    content = pl.concat_str(
        [
            pl.col("customer_code"),
            pl.col("date").cast(pl.String),
            pl.col("item").fill_null(""),
            pl.col("amount_value").cast(pl.String),
            pl.col("qty").cast(pl.String),
        ],
        separator="\x1f",
    )
    unique = unique.with_columns(
        pl.when(pl.col("order_no").is_not_null())
        .then(pl.col("order_no"))
        .otherwise(content.map_elements(_content_key, return_dtype=pl.String))
        .alias("order_key")
    ).with_columns((pl.int_range(pl.len()).over("order_key") + 1).cast(pl.Int64).alias("line_no"))
    # One order belongs to one customer on one date: later rows that disagree are refused.
    header = unique.group_by("order_key", maintain_order=True).agg(
        pl.col("customer_code").first().alias("order_customer"),
        pl.col("date").first().alias("order_date_first"),
    )
    unique = unique.join(header, on="order_key", how="left")
    conflict = (pl.col("customer_code") != pl.col("order_customer")) | (
        pl.col("date") != pl.col("order_date_first")
    )
    bad = unique.filter(conflict).with_columns(
        pl.lit("order_no").alias("_column"),
        pl.lit("同一单号对应不同的客户或日期 (one order number, several customers or dates)").alias(
            "_reason"
        ),
    )
    record_rejections(report, bad)
    unique = unique.filter(~conflict)
    unique, existing_orders, updates = _against_database(scope, unique, report)
    new_orders = (
        unique.filter(~pl.col("order_key").is_in(list(existing_orders)))
        .group_by("order_key", maintain_order=True)
        .agg(pl.col("customer_code", "date", "store_id", "consultant_id").first())
    )
    known = _existing_customers(organization, unique.get_column("customer_code"))
    unknown = unique.join(known, on="customer_code", how="anti")
    new_customers = unknown.group_by("customer_code", maintain_order=True).agg(
        pl.col("name", "phone", "store_id").first(),
        # All her lines are in this file: her last visit is known before she is written.
        pl.col("date").filter(pl.col("amount_value") > 0).max().alias("last_visit"),
    )
    # Her first line's phone, checked once per new customer (not once per line).
    phones = (
        checks.normalized_phones(new_customers)
        if new_customers.height
        else pl.Series([], dtype=pl.String)
    )
    new_customers = new_customers.with_columns(phones.alias("mobile")).drop("phone")
    known_items = set(_item_ids(organization))
    new_items = (
        unique.filter(pl.col("item").is_not_null() & ~pl.col("item").is_in(list(known_items)))
        .group_by("item", maintain_order=True)
        .agg(pl.col("category").first())
    )
    report.imported += unique.height
    report.updated += updates.height
    report.created_customers = new_customers.height
    report.created_items = new_items.height
    lines, new_orders, new_customers = _in_index_order(unique, new_orders, known, new_customers)
    return OrderPlan(organization, store, lines, new_orders, new_customers, new_items, updates)


def _against_database(scope: ImportScope, unique: pl.DataFrame, report: ImportReport):
    """Split off lines already in the database: identical ones are duplicates, changed
    ones become updates; an order number owned by another customer is refused (for a
    store manager with the out-of-scope reason: the owner may be in another store).

    The file's order keys are staged and joined against the orders and their lines in
    the database: two statements, however many orders the file or the database holds."""
    organization = scope.organization
    with staged_keys(unique.get_column("order_key")) as keys:
        orders = (
            Order.objects.filter(organization=organization, order_no__in=keys)
            .order_by()
            .values_list("order_no", "pk", "customer__code")
        )
        existing: dict[str, tuple[int, str]] = {no: (pk, code) for no, pk, code in orders}
        if not existing:
            return unique, existing, _no_updates()
        recorded = [
            (no, line_no, pk, float(amount), float(quantity), item)
            for no, line_no, pk, amount, quantity, item in OrderLine.objects.filter(
                order__organization=organization, order__order_no__in=keys
            )
            .order_by()
            .values_list("order__order_no", "line_no", "pk", "amount", "quantity", "item__name")
        ]
    owner = unique.get_column("order_key").replace_strict(
        {k: v[1] for k, v in existing.items()}, default=None, return_dtype=pl.String
    )
    taken = (owner.is_not_null() & (owner != unique.get_column("customer_code"))).fill_null(False)
    record_rejections(
        report,
        unique.filter(taken).with_columns(
            pl.lit("order_no").alias("_column"),
            pl.lit(
                "单号已存在且属于其他客户 (order number already used for another customer)"
                if scope.whole_organization
                else outside_reason()
            ).alias("_reason"),
        ),
    )
    unique = unique.filter(~taken)
    lines = pl.DataFrame(
        recorded,
        schema={
            "order_key": pl.String,
            "line_no": pl.Int64,
            "line_id": pl.Int64,
            "old_amount": pl.Float64,
            "old_qty": pl.Float64,
            "old_item": pl.String,
        },
        orient="row",
    )
    matched = unique.join(lines, on=["order_key", "line_no"], how="inner").sort("row")
    cents = (pl.col("amount_value").cast(pl.Float64) * 100).round(0)
    matched = matched.with_columns(
        ((pl.col("old_amount") * 100).round(0) != cents).alias("amount_changed"),
        (pl.col("old_qty") != pl.col("qty")).alias("qty_changed"),
    )
    differs = matched.filter(
        pl.col("item").is_not_null()
        & (pl.col("old_item").is_null() | (pl.col("old_item") != pl.col("item")))
    )
    for row, item in differs.select("row", "item").iter_rows():
        report.warnings.append(
            Rejection(row, "item", "已导入的明细项目不同，未修改 (item differs; kept)", item)
        )
    changed = pl.col("amount_changed") | pl.col("qty_changed")
    updates = matched.filter(changed).select(
        "line_id", "amount_value", "qty", "customer_code", "amount_changed", "qty_changed"
    )
    report.duplicates += matched.height - updates.height
    unique = unique.join(matched.select("row"), on="row", how="anti", maintain_order="left")
    return unique, existing, updates


def _no_updates() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "line_id": pl.Int64,
            "amount_value": pl.Decimal(18, 2),
            "qty": pl.Float64,
            "customer_code": pl.String,
            "amount_changed": pl.Boolean,
            "qty_changed": pl.Boolean,
        }
    )
