"""Fast bulk writes of plain rows: COPY on PostgreSQL, executemany elsewhere.

Used where a service writes hundreds of thousands of rows at once (grades of an
inventory); the ORM's bulk_create spends most of its time building model instances.
"""

import io
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

import polars as pl
from django.db import connection

_CSV_CHUNK = 200_000  # rows per COPY write when loading a frame


def insert_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], *, batch: int = 50_000
) -> int:
    """Insert `rows` (tuples in `columns` order) into `table`; return how many.

    Must run inside the caller's transaction; nothing is committed here.
    """
    quoted_table = connection.ops.quote_name(table)
    quoted_cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {quoted_table} ({quoted_cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quoted_table} ({quoted_cols}) VALUES ({placeholders})"
        chunk: list[Sequence] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def insert_frame(table: str, frame: pl.DataFrame) -> int:
    """Insert a Polars frame (its column names are the table's) into `table`.

    On PostgreSQL the frame goes in as CSV through COPY, without a Python object per
    row; elsewhere it falls back to `insert_rows`. Must run inside the caller's
    transaction.
    """
    if connection.vendor != "postgresql":
        # SQLite keeps decimals as REAL whatever it is given: floats spare a Decimal
        # object (and its conversion to text) per value.
        frame = frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
        return insert_rows(table, frame.columns, frame.iter_rows())
    quoted_table = connection.ops.quote_name(table)
    quoted_cols = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    sql = f"COPY {quoted_table} ({quoted_cols}) FROM STDIN (FORMAT CSV, NULL '\\N')"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, frame.height, _CSV_CHUNK):
            buffer = io.BytesIO()
            frame.slice(start, _CSV_CHUNK).write_csv(buffer, include_header=False, null_value="\\N")
            copy.write(buffer.getvalue())
    return frame.height


@contextmanager
def temporary_table(name: str, columns: dict[str, str], frame: pl.DataFrame):
    """A temporary table `name` ({column: SQL type}) holding `frame`'s rows for the
    duration of the block, on Django's connection and inside the caller's transaction:
    bulk-loaded like any frame, then read by set-based INSERT … SELECT and UPDATE … FROM."""
    quoted = connection.ops.quote_name(name)
    spec = ", ".join(f"{connection.ops.quote_name(c)} {t}" for c, t in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quoted}")
        cursor.execute(f"CREATE TEMPORARY TABLE {quoted} ({spec})")
    insert_frame(name, frame.select(list(columns)))
    yield quoted
    # On an error the caller's transaction rolls back, and the table with it.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {quoted}")
