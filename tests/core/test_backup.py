"""`revisit backup` and `revisit restore`: a backup restored into a fresh database has the
same rows, table by table (counts and checksums), on SQLite and on PostgreSQL."""

import json
import uuid
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from revisit.core.audit import record_event
from revisit.core.backups import Database, fingerprints
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def some_data():
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, "admin")
    for i in range(30):
        customer = make_customer(org, name=f"客户{i}", mobile=f"1380000{i:04d}", home_store=store)
        make_order(customer, Decimal("199.90") + i, on=date(2024, 5, 1 + i % 28))
    record_event(org, actor=admin, action="test.seed", note="备份测试 ✓")
    return org


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the same kind as the test database, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    current = Database.current()
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        dbname="postgres",
        user=current.user or None,
        host=current.host or None,
        port=current.port or None,
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{current.user}@{current.host}:{current.port or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_backup_restored_into_a_fresh_database_has_identical_tables(
    some_data, fresh_database, tmp_path
):
    out = tmp_path / "nightly.bak"
    call_command("backup", out=out)
    assert out.exists() and oct(out.stat().st_mode & 0o777) == "0o600"
    manifest = json.loads((tmp_path / "nightly.bak.manifest.json").read_text())
    assert manifest["tables"]["customers_customer"][0] == 30
    assert manifest["tables"]["sales_order"][0] == 30

    call_command("restore", str(out), into=fresh_database, yes=True)

    live = fingerprints(Database.current())
    restored = fingerprints(Database.from_url(fresh_database))
    assert restored == live
    assert restored["customers_customer"][0] == 30


def test_a_restore_that_does_not_match_its_manifest_fails_loudly(
    some_data, fresh_database, tmp_path
):
    out = tmp_path / "nightly.bak"
    call_command("backup", out=out)
    manifest_path = tmp_path / "nightly.bak.manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["customers_customer"] = [31, "0" * 64]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="customers_customer"):
        call_command("restore", str(out), into=fresh_database, yes=True)


def test_restore_asks_before_replacing_and_refuses_another_engine(some_data, tmp_path):
    out = tmp_path / "nightly.bak"
    call_command("backup", out=out)
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(out))  # no terminal to say yes: nothing happens
    other = (
        "postgres://postgres@127.0.0.1:5432/nowhere"
        if connection.vendor == "sqlite"
        else f"sqlite:///{tmp_path / 'x.sqlite3'}"
    )
    with pytest.raises(CommandError, match="cannot be restored"):
        call_command("restore", str(out), into=other, yes=True)


def test_backup_keeps_the_newest_n(some_data, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ["20240101-000000", "20240102-000000", "20240103-000000"]:
        (folder / f"revisit-{stamp}.sqlite3").write_text("old")
        (folder / f"revisit-{stamp}.sqlite3.manifest.json").write_text("{}")
    call_command("backup", keep=2)
    left = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".json"))
    assert len(left) == 2 and "revisit-20240103-000000.sqlite3" in left
    assert not (folder / "revisit-20240102-000000.sqlite3.manifest.json").exists()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
