"""Posting many ledger entries at once, set-based: the points of a 100,000-line import,
the expiry of every account due. The ledger's rules hold as for `ledger.post`:

- the accounts are locked (`SELECT … FOR UPDATE` in id order on PostgreSQL; SQLite
  serialises writers with IMMEDIATE transactions);
- an entry whose idempotency key is already posted is skipped (and the unique key
  refuses a concurrent double post, which rolls the whole batch back);
- each entry's `balance_after` is the running balance, no balance goes below zero, and
  each account's balance moves by the sum of its new entries in one UPDATE;
- the batch records one audit event naming its entry count and total.
"""

from datetime import date

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.bulk import insert_frame, temporary_table
from revisit.core.models import Organization, Staff
from revisit.customers.models import Customer
from revisit.wallet.ledger import InsufficientBalance, WalletError
from revisit.wallet.models import Account, AccountStatus, Entry, keyed

AMOUNT = pl.Decimal(14, 2)
BATCH_COLUMNS = {
    "account_id": pl.Int64,
    "kind": pl.String,
    "amount": AMOUNT,
    "reference_type": pl.String,
    "reference_id": pl.String,
    "idempotency_key": pl.String,
    "expires_on": pl.Date,
    "reason": pl.String,
}


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def ensure_accounts(
    organization: Organization, customer_ids: list[int], kind: str, *, now
) -> dict[int, int]:
    """customer id → id of her account of `kind` (a single kind: points, credit…),
    opening the missing ones in bulk."""
    wanted = set(customer_ids)
    found = dict(
        Account.objects.filter(organization=organization, kind=kind).values_list(
            "customer_id", "pk"
        )
    )
    missing = sorted(wanted - set(found))
    if missing:
        # Only customers of this organization get an account.
        owned = Customer.objects.filter(organization=organization, pk__in=missing)
        Account.objects.bulk_create(
            [
                Account(organization=organization, customer_id=pk, kind=kind, opened_at=now)
                for pk in owned.values_list("pk", flat=True).iterator()
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        found = dict(
            Account.objects.filter(organization=organization, kind=kind).values_list(
                "customer_id", "pk"
            )
        )
    return {pk: found[pk] for pk in wanted if pk in found}


def _already_posted(organization: Organization, keys: pl.Series) -> set[str]:
    keys = keys.filter(keys != "").unique()
    if keys.is_empty():
        return set()
    entry = quote(Entry._meta.db_table)
    with (
        temporary_table("revisit_batch_keys", {"key": "text"}, keys.to_frame("key")) as table,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"SELECT e.idempotency_key FROM {entry} e JOIN {table} k "
            "ON e.organization_id = %s AND e.idempotency_key = k.key "
            f"WHERE {keyed('e')}",
            [organization.pk],
        )
        return {row[0] for row in cursor.fetchall()}


def _lock_balances(account_ids: list[int]) -> pl.DataFrame:
    """Lock the accounts (id order, so two batches cannot deadlock) and read their
    balance and status."""
    frame = pl.DataFrame({"account_id": account_ids}, schema={"account_id": pl.Int64})
    table = quote(Account._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with (
        temporary_table("revisit_batch_accounts", {"account_id": "bigint"}, frame) as ids,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"SELECT a.id, a.balance, a.status FROM {table} a "
            f"WHERE a.id IN (SELECT account_id FROM {ids}) ORDER BY a.id{lock}"
        )
        rows = cursor.fetchall()
    return pl.DataFrame(
        [(pk, str(balance), status) for pk, balance, status in rows],
        schema={"account_id": pl.Int64, "balance": pl.String, "status": pl.String},
        orient="row",
    ).with_columns(pl.col("balance").cast(AMOUNT))


def post_batch(
    organization: Organization,
    rows: pl.DataFrame,
    *,
    actor: Staff | None,
    action: str,
    now=None,
    keep_zero: bool = False,
) -> pl.DataFrame:
    """Post `rows` (columns of `BATCH_COLUMNS`; in the order they apply per account) as
    entries in one transaction and return the rows posted (with `balance_after`). Rows
    of amount 0 are left out unless `keep_zero` (an entry that records a decision, such as
    a refund that found nothing left to take, so that a later run does not make it again).
    Rows whose key is already posted are skipped; raises `InsufficientBalance` when a
    balance would go below zero and `WalletError` for a closed account."""
    now = now or timezone.now()
    rows = rows.select(
        [pl.col(name).cast(dtype) for name, dtype in BATCH_COLUMNS.items()]
    ).with_columns(
        pl.col("reference_id").fill_null(""),
        pl.col("idempotency_key").fill_null(""),
        pl.col("reason").fill_null(""),
    )
    if not keep_zero:
        rows = rows.filter(pl.col("amount") != 0)
    if rows.is_empty():
        return rows
    with transaction.atomic():
        done = _already_posted(organization, rows["idempotency_key"])
        if done:
            rows = rows.filter(~pl.col("idempotency_key").is_in(list(done)))
        # A key twice in one batch posts once.
        with_key = rows.filter(pl.col("idempotency_key") != "").unique(
            "idempotency_key", keep="first", maintain_order=True
        )
        rows = pl.concat([with_key, rows.filter(pl.col("idempotency_key") == "")])
        if rows.is_empty():
            return rows
        accounts = _lock_balances(rows["account_id"].unique().sort().to_list())
        if accounts.height != rows["account_id"].n_unique():
            raise WalletError(_("An account of this batch does not exist."))
        if (accounts["status"] != AccountStatus.ACTIVE).any():
            raise WalletError(_("This account is closed."))
        rows = (
            rows.with_row_index("_order")
            .join(accounts.select("account_id", "balance"), on="account_id")
            .sort("_order")
            .with_columns(
                (
                    pl.col("balance").cast(pl.Float64)
                    + pl.col("amount").cast(pl.Float64).cum_sum().over("account_id")
                )
                .round(2)
                .alias("balance_after")
            )
        )
        if (rows["balance_after"] < 0).any():
            raise InsufficientBalance(_("Not enough balance for this batch."))
        _insert(organization, rows, actor, now)
        deltas = rows.group_by("account_id").agg(pl.col("amount").sum().alias("delta"))
        table = quote(Account._meta.db_table)
        with (
            temporary_table(
                "revisit_batch_deltas",
                {"account_id": "bigint", "delta": "decimal(14, 2)"},
                deltas,
            ) as moves,
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"UPDATE {table} SET balance = balance + d.delta FROM {moves} d "
                f"WHERE {table}.id = d.account_id"
            )
        record_event(
            organization,
            actor=actor,
            action=action,
            target=None,
            entries=rows.height,
            accounts=deltas.height,
            total=str(rows["amount"].sum()),
        )
    return rows.drop("_order", "balance")


def _insert(organization: Organization, rows: pl.DataFrame, actor, now) -> None:
    stamp = connection.ops.adapt_datetimefield_value(now)
    frame = rows.select(
        pl.lit(organization.pk, pl.Int64).alias("organization_id"),
        "account_id",
        "kind",
        "amount",
        pl.col("balance_after").cast(AMOUNT),
        "reference_type",
        "reference_id",
        pl.lit("").alias("reason") if "reason" not in rows.columns else pl.col("reason"),
        "idempotency_key",
        pl.col("expires_on").cast(pl.String),
        pl.lit(actor.pk if actor else None, pl.Int64).alias("actor_id"),
        pl.lit(str(stamp)).alias("created_at"),
    )
    insert_frame(Entry._meta.db_table, frame)


def date_param(value: date):
    return connection.ops.adapt_datefield_value(value)
