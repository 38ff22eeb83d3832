"""An order import is all or nothing for the people using the product, yet holds a write
transaction only at its end: others keep logging in and writing while it loads (real
threads on the real database), a crash or a kill at any point leaves nothing, and its
statements do not multiply with the orders in the file."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from revisit.core.models import Role
from revisit.customers.models import Customer
from revisit.imports import order_rows, staging
from revisit.imports.models import ImportRun
from revisit.imports.services import import_orders
from revisit.imports.staging import Staging
from revisit.sales.models import Item, Order, OrderLine
from tests.factories import log_in, make_org, make_staff, make_store
from tests.imports.conftest import database_url, write_csv

HEADER = ["收费单号", "客户编号", "收费日期", "项目", "实收金额"]


def orders_file(path, customers: int, orders_each: int, lines_each: int = 2, amount: int = 100):
    rows = [HEADER]
    for c in range(customers):
        for o in range(orders_each):
            for n in range(lines_each):
                day = f"2024-{1 + o % 12:02d}-{1 + c % 28:02d}"
                rows.append([f"S{c:03d}-{o:03d}", f"K{c:04d}", day, f"项目{n}", str(amount + n)])
    return write_csv(path, rows)


def nothing_imported(org) -> bool:
    return not any(
        model.objects.filter(organization=org).exists()
        for model in (Customer, Order, OrderLine, Item, ImportRun)
    )


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'import\\_%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'import_%%'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_orders_of_each_customer(tmp_path):
    counts = []
    for orders_each in (1, 12):
        org = make_org()
        path = orders_file(tmp_path / f"o{orders_each}.csv", customers=30, orders_each=orders_each)
        with CaptureQueriesContext(connection) as queries:
            report = import_orders(org, path)
        assert report.imported == 30 * orders_each * 2 and report.created_customers == 30
        counts.append(len(queries.captured_queries))
        refresh = [
            q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")
        ]
        assert len(refresh) == 1 and '"sales_order"' not in refresh[0]
        assert "sales_order " not in refresh[0]
        days = Customer.objects.filter(organization=org, code="K0000").get().last_visit
        assert days.month == orders_each
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_customers_and_orders_already_there(tmp_path):
    """Which customers, orders and lines exist (and which customers lie outside a store
    manager's scope) is found by joining the file's keys in the database, not by sending
    them back in IN-lists of a few thousand: the statement count is the same for 3 known
    customers as for 5,003."""
    counts = []
    for customers in (3, 5003):
        org = make_org()
        store = make_store(org)
        manager = make_staff(org, Role.STORE_MANAGER, store=store)
        first = orders_file(tmp_path / f"a{customers}.csv", customers, orders_each=1, lines_each=1)
        import_orders(org, first, actor=manager)
        # The same orders again (duplicates) and one new order per customer.
        again = orders_file(tmp_path / f"b{customers}.csv", customers, orders_each=2, lines_each=1)
        with CaptureQueriesContext(connection) as queries:
            report = import_orders(org, again, actor=manager)
        assert (report.imported, report.duplicates, report.created_customers) == (
            customers,
            customers,
            0,
        )
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_failure_in_the_last_step_leaves_nothing_and_the_file_imports_again(
    tmp_path, monkeypatch
):
    org = make_org()
    path = orders_file(tmp_path / "o.csv", customers=5, orders_each=3)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(order_rows, "refresh_last_visits", broken)
    with pytest.raises(RuntimeError):
        import_orders(org, path)
    assert nothing_imported(org) and staging_tables() == []
    assert not [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]  # none for a failure
    monkeypatch.undo()
    report = import_orders(org, path)
    again = import_orders(org, path)
    assert (report.imported, again.imported, again.duplicates) == (30, 0, 30)
    assert OrderLine.objects.filter(organization=org).count() == 30


@pytest.mark.django_db(transaction=True)
def test_others_log_in_and_write_while_an_import_loads(tmp_path, monkeypatch):
    """The import is paused half-way (its rows checked and staged) while another thread,
    with its own connection, logs in through the login page. The login completes before
    the import goes on: on SQLite that is only possible if the import holds no write lock
    until its apply (a long transaction would make the login wait for the whole
    import, then fail)."""
    org = make_org()
    store = make_store(org)
    staff = make_staff(org, Role.CONSULTANT, store=store)
    path = orders_file(tmp_path / "o.csv", customers=40, orders_each=5)
    events = []
    load = Staging.load

    def log_in_elsewhere():
        try:
            client = Client()
            events.append(("logged in", log_in(client, staff.username, "pw-unused-123")))
            # Another write of the same user: her session's data.
            session = client.session
            session["seen"] = True
            session.save()
            events.append(("wrote", True))
        finally:
            connection.close()

    def load_then_let_someone_in(self, table, frame, columns):
        load(self, table, frame, columns)
        if table == "lines":
            events.append(("staged", frame.height))
            other = threading.Thread(target=log_in_elsewhere)
            other.start()
            other.join()

    monkeypatch.setattr(Staging, "load", load_then_let_someone_in)
    report = import_orders(org, path)
    events.append(("imported", report.imported))
    assert events == [("staged", 400), ("logged in", True), ("wrote", True), ("imported", 400)]
    staff.refresh_from_db()
    assert staff.last_login is not None
    assert OrderLine.objects.filter(organization=org).count() == 400


def write_elsewhere_without_waiting() -> bool:
    """Whether another connection that never waits for a lock (busy timeout 0) can
    write right now."""
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE core_organization SET name = name WHERE id = -1")
        other.execute("COMMIT")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_only_the_apply_holds_the_write_lock_for_a_fixed_number_of_statements(
    tmp_path, monkeypatch
):
    """The import's write lock, measured without a clock: the apply runs the same few
    statements for 5 customers as for 40 (new orders and changed amounts alike: no
    statement per row), and on SQLite another connection that never waits writes after
    every staging batch and right before the apply, and is refused only inside it."""
    sqlite = connection.vendor == "sqlite"
    monkeypatch.setattr(staging, "CHUNK", 50)  # several staging batches
    probes: list[tuple[str, bool]] = []
    batch = staging._temp_only_transaction

    @contextmanager
    def batch_then_probe():
        with batch() as cursor:
            yield cursor
        if sqlite:
            probes.append(("after a staging batch", write_elsewhere_without_waiting()))

    monkeypatch.setattr(staging, "_temp_only_transaction", batch_then_probe)
    stage, apply = order_rows.OrderPlan.stage, order_rows.OrderPlan.apply
    inside: list[tuple[str, bool]] = []

    def stage_then_probe(plan):
        stage(plan)
        if sqlite:  # the next step opens the apply's transaction
            probes.append(("before the apply", write_elsewhere_without_waiting()))

    def counted_apply(plan):
        def count(execute, sql, params, many, context):
            inside.append((sql, many))
            result = execute(sql, params, many, context)
            if sqlite and len(inside) == 1:
                probes.append(("inside the apply", write_elsewhere_without_waiting()))
            return result

        with connection.execute_wrapper(count):
            apply(plan)

    monkeypatch.setattr(order_rows.OrderPlan, "stage", stage_then_probe)
    monkeypatch.setattr(order_rows.OrderPlan, "apply", counted_apply)
    counts = []
    for customers in (5, 40):
        org = make_org()
        import_orders(org, orders_file(tmp_path / f"a{customers}.csv", customers, 2))
        probes.clear()
        inside.clear()
        # Every known line at a new amount, and as many new orders.
        changed = orders_file(tmp_path / f"b{customers}.csv", customers, 4, amount=500)
        report = import_orders(org, changed)
        assert (report.updated, report.imported) == (customers * 4, customers * 4)
        assert not any(many for _, many in inside)
        counts.append(len(inside))
        if sqlite:
            batches = [ok for where, ok in probes if where == "after a staging batch"]
            assert len(batches) >= 3 and all(batches)
            assert ("before the apply", True) in probes
            assert ("inside the apply", False) in probes
    assert counts[0] == counts[1] <= 10


CHILD = """
import os, signal, sys
import django
django.setup()
from revisit.core.models import Organization
from revisit.imports import order_rows, staging
from revisit.imports.services import import_orders
from revisit.imports.staging import Staging

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[1] == "staging":
    load = Staging.load
    def load_then_die(self, table, frame, columns):
        load(self, table, frame, columns)
        if table == "lines":
            die()
    Staging.load = load_then_die
else:  # every row is in the real tables, the transaction not yet committed
    order_rows.refresh_last_visits = die
import_orders(Organization.objects.get(code=sys.argv[2]), sys.argv[3])
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["staging", "apply"])
def test_an_import_killed_mid_way_leaves_nothing(tmp_path, moment):
    org = make_org()
    path = orders_file(tmp_path / "o.csv", customers=20, orders_each=4)
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        REVISIT_VAR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="revisit.settings",
    )
    child = subprocess.run(
        [sys.executable, "-c", CHILD, moment, org.code, str(path)], env=env, capture_output=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    assert nothing_imported(org)
    report = import_orders(org, path)
    assert report.imported == 160 and report.created_customers == 20
    assert OrderLine.objects.filter(organization=org).count() == 160
