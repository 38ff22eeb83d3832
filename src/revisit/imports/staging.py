"""Staging tables: an import's checked rows wait in per-run temporary tables until one
short transaction moves them into the real tables with set-based statements.

Why staging, and not one long transaction or chunked commits with a cleanup:

- SQLite has one writer at a time. A single transaction around reading, checking and
  writing a million lines held the write lock for the whole import, so a login or a
  reveal waited (or failed) for minutes. Temporary tables live in the connection's own
  temp database: filling them takes no lock on the main database, so everyone else keeps
  writing while an import loads. Only the final apply — `INSERT … SELECT` from staging,
  all in C inside the database — holds the lock, for a fraction of the import.
- Users never see a half-imported file: the apply is one transaction, so the import's
  rows appear together or not at all. A failed or killed import leaves nothing behind:
  temporary tables disappear with the connection, and an apply cut short is rolled back.
  Chunked commits into the real tables would show partial imports while they run and
  need a cleanup to run after a crash; rows tagged with their run would need every
  reader to exclude them.
- Set-based: ids are joined in SQL through the unique keys (organization, code) and
  (organization, order number) instead of read back through IN-lists, and on PostgreSQL
  the rows reach the server by COPY. Checking which keys already exist works the same
  way (`existing`): the file's keys are staged and joined against the real tables in
  one statement, never sent back and forth in IN-lists of a few thousand.

Planning still reads the database outside the transaction; what another writer changes
in between (the same file imported twice at once) ends in a unique-key error that rolls
the apply back: the import fails, nothing is written, and a re-import is still exact.
"""

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from django.db import connection, models
from django.db.models.expressions import RawSQL

CHUNK = 50_000  # rows per staging transaction (SQLite) or COPY write (PostgreSQL)
APPLY_WORK_MEM = "256MB"  # per hash or sort of the apply, on PostgreSQL (`roomy_joins`)

_TYPES = {
    # kind: (PostgreSQL type, SQLite type, polars cast for SQLite)
    "text": ("text", "TEXT", None),
    "int": ("bigint", "INTEGER", None),
    "date": ("date", "TEXT", pl.String),
    "decimal": ("numeric", "TEXT", pl.String),
    "float": ("double precision", "REAL", None),
    "bool": ("boolean", "INTEGER", pl.Int8),
}


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Staging:
    """Temporary tables of one import run (named after the run, so that two imports on
    one connection never meet), loaded in short transactions and dropped at the end."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex[:12]
        self.tables: dict[str, str] = {}

    def name(self, table: str) -> str:
        return quote(self.tables[table])

    def load(self, table: str, frame: pl.DataFrame, columns: dict[str, str]) -> None:
        """Create temporary `table` with `columns` ({name: kind}) and fill it from `frame`."""
        real = f"import_{self.token}_{table}"
        types = {
            name: _TYPES[kind][0 if connection.vendor == "postgresql" else 1]
            for name, kind in columns.items()
        }
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {quote(real)} "
                f"({', '.join(f'{quote(n)} {t}' for n, t in types.items())})"
            )
        self.tables[table] = real
        frame = frame.select(list(columns))
        if connection.vendor == "postgresql":
            _copy(real, frame)
        else:
            _insert(real, frame, columns)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for real in self.tables.values():
                cursor.execute(f"DROP TABLE IF EXISTS {quote(real)}")
        self.tables.clear()


@contextmanager
def staged_keys(keys: pl.Series) -> Iterator[RawSQL]:
    """The distinct non-null `keys`, loaded into a temporary table for the time of the
    block, as a subquery to filter on (`code__in=subquery`): the database joins them
    against its unique index, whatever their number, in one statement."""
    staging = Staging()
    staging.load("keys", keys.drop_nulls().unique().to_frame("key"), {"key": "text"})
    try:
        yield RawSQL(f"SELECT {quote('key')} FROM {staging.name('keys')}", ())
    finally:
        staging.drop()


def _copy(table: str, frame: pl.DataFrame) -> None:
    """COPY in CSV made by polars: no Python object per row. Text is quoted, so a cell
    reading \\N stays text; only nulls are written unquoted as \\N."""
    sql = (
        f"COPY {quote(table)} ({', '.join(quote(c) for c in frame.columns)}) "
        "FROM STDIN (FORMAT CSV, NULL '\\N')"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, frame.height, CHUNK):
            buffer = io.BytesIO()
            frame.slice(start, CHUNK).write_csv(
                buffer, include_header=False, null_value="\\N", quote_style="non_numeric"
            )
            copy.write(buffer.getvalue())


def _insert(table: str, frame: pl.DataFrame, columns: dict[str, str]) -> None:
    """executemany in chunks, each in its own transaction that touches only the temporary
    table: the main database's write lock stays free."""
    frame = frame.with_columns(
        pl.col(name).cast(_TYPES[kind][2]) for name, kind in columns.items() if _TYPES[kind][2]
    )
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in frame.columns)}) "
        f"VALUES ({', '.join(['%s'] * frame.width)})"
    )
    for start in range(0, frame.height, CHUNK):
        with _temp_only_transaction() as cursor:
            cursor.executemany(sql, frame.slice(start, CHUNK).iter_rows())


@contextmanager
def _temp_only_transaction() -> Iterator:
    """A transaction that writes only temporary tables. Inside the caller's transaction
    (tests, a nested import) it is part of that one; otherwise on SQLite a DEFERRED
    transaction, which locks nothing of the main database (the connection otherwise
    begins IMMEDIATE transactions, which take the write lock at once)."""
    with connection.cursor() as cursor:
        if connection.in_atomic_block or connection.vendor != "sqlite":
            yield cursor
            return
        cursor.execute("BEGIN DEFERRED")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")


def roomy_joins() -> None:
    """For the rest of the caller's transaction on PostgreSQL, room for the apply's hash
    joins in memory: joining a million staged lines to their orders with the default
    4 MB of `work_mem` split the join into batches written to disk and read back (an
    EXPLAIN ANALYZE at 1M lines: 4 batches, 4.3 s of the lines' 5.6 s of reading)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{APPLY_WORK_MEM}'")


def insert_select(
    model: type[models.Model], selected: dict[str, str], from_sql: str, params=(), **fixed
) -> int:
    """`INSERT INTO model's table … SELECT` with `selected` ({column: SQL expression})
    from `from_sql`; every other column takes its `fixed` value, the schema's default (`db_default`) or
    the field's Python default. Returns the rows inserted."""
    columns, values, constants = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        if field.has_db_default() and field.attname not in fixed and field.column not in selected:
            continue  # the schema fills it
        columns.append(field.column)
        if field.column in selected:
            values.append(selected[field.column])
            continue
        value = fixed[field.attname] if field.attname in fixed else field.get_default()
        # PostgreSQL types a parameter in a SELECT list as text unless told.
        values.append(
            f"CAST(%s AS {field.db_type(connection)})"
            if connection.vendor == "postgresql"
            else "%s"
        )
        constants.append(field.get_db_prep_save(value, connection))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT {', '.join(values)} {from_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *params])
        return cursor.rowcount
