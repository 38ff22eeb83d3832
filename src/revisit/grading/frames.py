"""Read an organization's customers and order lines from the database into Polars.

Amounts leave the database as integer cents and dates as day numbers, so that no
Decimal or date object is built per row; both are converted back in Polars.
"""

import io
from datetime import date

import polars as pl
from django.db import connection
from psycopg import sql as psycopg_sql

from revisit.core.models import Organization
from revisit.customers.models import Customer
from revisit.grading.models import Grade
from revisit.sales.models import OrderLine

_FETCH = 200_000


def _day_number(column: str) -> str:
    """SQL for days since 1970-01-01 of a date column, per database."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _fetch(sql: str, params: list, schema: dict) -> pl.DataFrame:
    if connection.vendor == "postgresql":
        return _copy_out(sql, params, schema)
    frames = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH):
            frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, rechunk=True)


def _copy_out(sql: str, params: list, schema: dict) -> pl.DataFrame:
    """PostgreSQL: stream the query's rows out as CSV through COPY and parse them in
    Polars, instead of building a Python tuple per row."""
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


def load_order_lines(organization: Organization, *, until: date) -> pl.DataFrame:
    """Order lines up to and including `until`: customer_id, order_date, amount (Decimal)."""
    table = OrderLine._meta.db_table
    sql = (
        f"SELECT customer_id, {_day_number('order_date')}, CAST(ROUND(amount * 100) AS BIGINT) "
        f"FROM {connection.ops.quote_name(table)} WHERE organization_id = %s AND order_date <= %s"
    )
    raw = _fetch(
        sql,
        [organization.pk, until],
        {"customer_id": pl.Int64, "day": pl.Int32, "cents": pl.Int64},
    )
    return raw.select(
        "customer_id",
        pl.col("day").cast(pl.Date).alias("order_date"),
        (pl.col("cents").cast(pl.Decimal(20, 2)) / 100).cast(pl.Decimal(20, 2)).alias("amount"),
    )


def load_customers(organization: Organization) -> pl.DataFrame:
    """Every customer of the organization: customer_id, owner_id, store_id, current_tier,
    tier_changed_on."""
    table = Customer._meta.db_table
    sql = (
        f"SELECT id, owner_id, home_store_id, tier, {_day_number('tier_changed_on')} "
        f"FROM {connection.ops.quote_name(table)} WHERE organization_id = %s"
    )
    raw = _fetch(
        sql,
        [organization.pk],
        {
            "customer_id": pl.Int64,
            "owner_id": pl.Int64,
            "store_id": pl.Int64,
            "current_tier": pl.String,
            "changed_day": pl.Int32,
        },
    )
    return raw.with_columns(
        pl.col("current_tier").fill_null(""),
        pl.col("changed_day").cast(pl.Date).alias("tier_changed_on"),
    ).drop("changed_day")


def load_grades(inventory_id: int) -> pl.DataFrame:
    """An inventory's computed tiers: customer_id, tier."""
    table = connection.ops.quote_name(Grade._meta.db_table)
    return _fetch(
        f"SELECT customer_id, tier FROM {table} WHERE inventory_id = %s",
        [inventory_id],
        {"customer_id": pl.Int64, "tier": pl.String},
    )
