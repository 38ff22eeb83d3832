"""Build shared test data once per session and give each test a pristine copy cheaply.

`capture(build)` runs `build()` inside a transaction, reads every row it added from every
table, and rolls back, so the database stays as it was. `Snapshot.restore()` inserts those
rows again, with the same primary keys, in one bulk write per table (COPY on PostgreSQL,
executemany on SQLite): a few tenths of a second instead of a whole build. It works in a
test wrapped in a transaction (the copy rolls back with the test) and in a transactional
test (the copy is committed and the flush after the test removes it).

Only rows of Django-managed tables are copied: a build that writes files or unmanaged
tables needs those restored too.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from revisit.core.models import Organization
from revisit.demo import build_demo

# On SQLite the rolled-back capture also rolls back the id counters, so a test's own rows
# would get the ids the copy uses. Each build therefore takes its ids from its own range
# far above (a transactional test leaves the counters past the copy it restored, so the
# ranges must not overlap). PostgreSQL sequences never go back, so they need nothing.
SQLITE_ID_STEP = 10_000_000
_sqlite_ranges = itertools.count(1)


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)  # SQLite: raw values
    copy_data: bytes = b""  # PostgreSQL: COPY text format


@dataclass
class Snapshot:
    tables: list[Table]
    result: object = None  # what build() returned (its objects are stale after rollback)

    def restore(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                cols = ", ".join(connection.ops.quote_name(c) for c in table.columns)
                quoted = connection.ops.quote_name(table.name)
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {quoted} ({cols}) FROM STDIN") as copy:
                        copy.write(table.copy_data)
                else:
                    marks = ", ".join(["%s"] * len(table.columns))
                    cursor.executemany(
                        f"INSERT INTO {quoted} ({cols}) VALUES ({marks})", table.rows
                    )
            if connection.vendor == "postgresql":
                # Fresh rows have no planner statistics, and without them PostgreSQL picks
                # plans that take seconds on pages a real database serves in milliseconds.
                # (Inside the test's transaction ANALYZE sees the copy; its statistics
                # roll back with it.)
                names = ", ".join(connection.ops.quote_name(t.name) for t in self.tables)
                cursor.execute(f"ANALYZE {names}")


def _tables() -> list[tuple[str, str, list[str]]]:
    """(table, primary key column, columns) of every table Django manages."""
    seen = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        # Generated columns are computed by the database again on insert.
        columns = [f.column for f in meta.concrete_fields if not f.generated]
        seen[meta.db_table] = (meta.pk.column, columns)
    return [(name, pk, cols) for name, (pk, cols) in seen.items()]


def capture(build: Callable[[], object]) -> Snapshot:
    """Run `build()` and keep every row it inserted; leave the database unchanged."""
    q = connection.ops.quote_name
    tables = _tables()
    snapshot = Snapshot(tables=[])
    with transaction.atomic(), connection.cursor() as cursor:
        before = {}
        for name, pk, _ in tables:
            key = f"{q(pk)}::text" if connection.vendor == "postgresql" else q(pk)
            cursor.execute(f"SELECT {key} FROM {q(name)}")
            before[name] = {row[0] for row in cursor.fetchall()}
        if connection.vendor == "sqlite":
            base = SQLITE_ID_STEP * next(_sqlite_ranges)
            _raise_sqlite_ids(cursor, [name for name, _, _ in tables], base)
        snapshot.result = build()
        for name, pk, cols in tables:
            table = Table(name, cols)
            if connection.vendor == "postgresql":
                select = f"SELECT {', '.join(q(c) for c in cols)} FROM {q(name)}"
                where = f"WHERE NOT ({q(pk)}::text = ANY(%s))"
                with cursor.cursor.copy(
                    f"COPY ({select} {where} ORDER BY {q(pk)}) TO STDOUT", [list(before[name])]
                ) as copy:
                    table.copy_data = b"".join(bytes(chunk) for chunk in copy)
                if not table.copy_data:
                    continue
            else:
                # coalesce() hides the declared column type, so Django's converters leave
                # the stored values as they are.
                select = ", ".join(f"coalesce({q(c)}, NULL)" for c in cols)
                pk_at = cols.index(pk)
                cursor.execute(f"SELECT {select} FROM {q(name)} ORDER BY {q(pk)}")
                table.rows = [r for r in cursor.fetchall() if r[pk_at] not in before[name]]
                if not table.rows:
                    continue
            snapshot.tables.append(table)
        transaction.set_rollback(True)
    return snapshot


def _raise_sqlite_ids(cursor, names: list[str], base: int) -> None:
    cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
    if not cursor.fetchone():
        return
    for name in names:
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [name])
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [name, base])


_demos: dict[tuple, Snapshot] = {}


def demo_snapshot(customers: int) -> Snapshot:
    """The demo organization as of today, built once per session and size."""
    key = (customers, timezone.localdate())
    if key not in _demos:
        immediate, HUEY.immediate = HUEY.immediate, True
        try:
            _demos[key] = capture(lambda: build_demo(customers=customers, as_of=key[1]))
        finally:
            HUEY.immediate = immediate
    return _demos[key]


def demo_copy(customers: int) -> Organization:
    """A pristine demo organization as of today, copied into the test's database in bulk."""
    snapshot = demo_snapshot(customers)
    snapshot.restore()
    return Organization.objects.get(pk=snapshot.result.organization.pk)


def demo_fixture(customers: int):
    """A session fixture that builds the demo of that size before the first test that
    needs it sets anything up (settings, clocks), so no test's state leaks into it."""

    @pytest.fixture(scope="session")
    def built(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            demo_snapshot(customers)

    return built
