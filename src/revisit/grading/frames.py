"""Read an organization's customers and order lines from the database into Polars.

Reads go through ADBC (Arrow Database Connectivity): the driver hands over Arrow
columns, so no Python object is built per row. Amounts leave the database as integer
cents and dates as dates (SQLite: day numbers), so no Decimal either. On SQLite the
driver runs in a child process (see `arrow_read`: its own copy of SQLite must not share
a process with Python's).

An ADBC connection is a second connection: it sees committed rows only. A caller
inside a transaction (a test, or a service that has just written rows) may hold rows
only its own connection sees, so there the same queries run on Django's connection
(COPY on PostgreSQL, fetchmany on SQLite) and give the same frame.
"""

import io
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from django.db import connection
from psycopg import sql as psycopg_sql

from revisit.core.models import Organization
from revisit.customers.models import Customer
from revisit.grading.models import Grade
from revisit.sales.models import OrderLine

_FETCH = 200_000

LINES_SCHEMA = {"customer_id": pl.Int64, "order_date": pl.Date, "amount_cents": pl.Int64}


def _date(column: str) -> str:
    """SQL reading a date column: a date on PostgreSQL, days since 1970-01-01 on SQLite
    (which stores dates as text); both become a Polars Date."""
    if connection.vendor == "postgresql":
        return column
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _conform(frame: pl.DataFrame, schema: dict) -> pl.DataFrame:
    frame = frame.rename(dict(zip(frame.columns, schema, strict=True)))
    return frame.with_columns(
        pl.col(name).cast(dtype) for name, dtype in schema.items() if frame[name].dtype != dtype
    )


def _literal(value) -> str:
    """Parameters are ids and dates only; anything else is refused, never quoted."""
    if isinstance(value, bool) or not isinstance(value, int | date):
        raise TypeError(f"unsupported parameter {value!r}")
    return str(value) if isinstance(value, int) else f"'{value.isoformat()}'"


def adbc_connect():
    """An ADBC connection to Django's database (the caller closes it). On SQLite, only
    in a process with no other SQLite connection open (see `arrow_read`)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        from adbc_driver_postgresql import dbapi
        from psycopg.conninfo import make_conninfo

        parts = {
            "dbname": settings["NAME"],
            "user": settings.get("USER"),
            "password": settings.get("PASSWORD"),
            "host": settings.get("HOST"),
            "port": settings.get("PORT"),
        }
        return dbapi.connect(make_conninfo(**{k: str(v) for k, v in parts.items() if v}))
    from adbc_driver_sqlite import dbapi

    return dbapi.connect(f"file:{settings['NAME']}?mode=ro")


def read_arrow(sql: str, params: list) -> pl.DataFrame:
    """Run `sql` (with `%s` placeholders for ids and dates) on a new ADBC connection."""
    return read_arrow_many([(sql, params)])[0]


def read_arrow_many(queries: list[tuple[str, list]]) -> list[pl.DataFrame]:
    """Run each (sql, params) on one new ADBC connection, in one read-only transaction
    that sees one snapshot of the database (rows read together agree)."""
    texts = [sql % tuple(_literal(p) for p in params) for sql, params in queries]
    if connection.vendor == "sqlite":
        return _read_arrow_in_child(texts)
    with adbc_connect() as conn, conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        frames = []
        for text in texts:
            cursor.execute(text)
            frames.append(pl.DataFrame(cursor.fetch_arrow()))
        conn.rollback()
        return frames


def _read_arrow_in_child(queries: list[str]) -> list[pl.DataFrame]:
    script = Path(__file__).with_name("arrow_read.py")
    with tempfile.TemporaryDirectory(prefix="revisit-arrow-") as folder:
        done = subprocess.run(
            [sys.executable, str(script), connection.settings_dict["NAME"], folder, *queries],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"Arrow read failed: {done.stderr.strip()[-2000:]}")
        return [pl.read_ipc(Path(folder) / f"{n}.arrow") for n in range(len(queries))]


def _read_on_connection(sql: str, params: list, schema: dict) -> pl.DataFrame:
    if connection.vendor == "postgresql":
        return _copy_out(sql, params, schema)
    frames = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH):
            frames.append(pl.DataFrame(rows, schema=list(schema), orient="row"))
    if not frames:
        return pl.DataFrame(schema=schema)
    return _conform(pl.concat(frames, rechunk=True), schema)


def _copy_out(sql: str, params: list, schema: dict) -> pl.DataFrame:
    """PostgreSQL on Django's connection: the query's rows out as CSV through COPY."""
    query = psycopg_sql.SQL("COPY ({}) TO STDOUT (FORMAT CSV)").format(
        psycopg_sql.SQL(sql.replace("%s", "{}")).format(*map(psycopg_sql.Literal, params))
    )
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for data in copy:
            buffer.write(data)
    if not buffer.tell():
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, schema=schema)


def _read(sql: str, params: list, schema: dict) -> pl.DataFrame:
    return _read_together([(sql, params, schema)])[0]


def _read_together(queries: list[tuple[str, list, dict]]) -> list[pl.DataFrame]:
    """Each (sql, params, schema) as a frame: through one ADBC read of committed rows,
    or on Django's connection inside a transaction."""
    if connection.in_atomic_block:
        return [_read_on_connection(sql, params, schema) for sql, params, schema in queries]
    frames = read_arrow_many([(sql, params) for sql, params, _schema in queries])
    return [
        pl.DataFrame(schema=schema) if frame.is_empty() else _conform(frame, schema)
        for frame, (_sql, _params, schema) in zip(frames, queries, strict=True)
    ]


def order_lines_sql() -> str:
    """Order lines of one organization up to a date, clustered by customer: the order
    is the covering index's (organization, customer, order_date, amount), so the rows
    come out of the index without a sort or a visit to the table."""
    table = connection.ops.quote_name(OrderLine._meta.db_table)
    return (
        f"SELECT customer_id, {_date('order_date')}, CAST(ROUND(amount * 100) AS BIGINT) "
        f"FROM {table} WHERE organization_id = %s AND order_date <= %s "
        "ORDER BY customer_id, order_date"
    )


CUSTOMERS_SCHEMA = {
    "customer_id": pl.Int64,
    "owner_id": pl.Int64,
    "store_id": pl.Int64,
    "current_tier": pl.String,
    "tier_changed_on": pl.Date,
}


def _order_lines_query(organization: Organization, until: date) -> tuple[str, list, dict]:
    return order_lines_sql(), [organization.pk, until], LINES_SCHEMA


def _customers_query(organization: Organization) -> tuple[str, list, dict]:
    table = connection.ops.quote_name(Customer._meta.db_table)
    sql = (
        f"SELECT id, owner_id, home_store_id, tier, {_date('tier_changed_on')} "
        f"FROM {table} WHERE organization_id = %s"
    )
    return sql, [organization.pk], CUSTOMERS_SCHEMA


def _customers_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("current_tier").fill_null(""))


def load_order_lines(organization: Organization, *, until: date) -> pl.DataFrame:
    """Order lines up to and including `until`, sorted by customer: customer_id,
    order_date, amount_cents (Int64; a refund is negative)."""
    return _read(*_order_lines_query(organization, until)).set_sorted("customer_id")


def load_customers(organization: Organization) -> pl.DataFrame:
    """Every customer of the organization: customer_id, owner_id, store_id, current_tier,
    tier_changed_on."""
    return _customers_frame(_read(*_customers_query(organization)))


def load_customers_and_lines(
    organization: Organization, *, until: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`load_customers` and `load_order_lines` in one read (one child process on SQLite),
    from one snapshot: every line's customer is among the customers."""
    customers, lines = _read_together(
        [_customers_query(organization), _order_lines_query(organization, until)]
    )
    return _customers_frame(customers), lines.set_sorted("customer_id")


def load_points(organization: Organization, *, as_of: date) -> pl.DataFrame:
    """Each customer's points balance at the end of `as_of` (UTC), from the wallet's
    points ledger: customer_id, points (Int64). Customers without points are absent."""
    from revisit.wallet.models import Account, AccountKind, Entry

    entry = connection.ops.quote_name(Entry._meta.db_table)
    account = connection.ops.quote_name(Account._meta.db_table)
    kind = AccountKind.POINTS.value
    sql = (
        f"SELECT a.customer_id, CAST(SUM(e.amount) AS BIGINT) FROM {entry} e "
        f"JOIN {account} a ON a.id = e.account_id "
        f"WHERE a.organization_id = %s AND a.kind = '{kind}' AND e.created_at < %s "
        "GROUP BY a.customer_id"
    )
    return _read(
        sql,
        [organization.pk, as_of + timedelta(days=1)],
        {"customer_id": pl.Int64, "points": pl.Int64},
    )


def load_grades(inventory_id: int) -> pl.DataFrame:
    """An inventory's computed tiers: customer_id, tier."""
    table = connection.ops.quote_name(Grade._meta.db_table)
    return _read(
        f"SELECT customer_id, tier FROM {table} WHERE inventory_id = %s",
        [inventory_id],
        {"customer_id": pl.Int64, "tier": pl.String},
    )
