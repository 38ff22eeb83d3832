"""Backups of the whole database, and restoring one.

SQLite is copied with its online backup API (consistent while the server keeps running);
PostgreSQL with `pg_dump --format=custom` and `pg_restore`. Next to every backup file a
manifest records, per table, the row count and a SHA-256 over the rows in key order, so a
restore can prove that it brought back exactly what was saved.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connection

MANIFEST_SUFFIX = ".manifest.json"
SQLITE = "sqlite"
POSTGRES = "postgresql"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator."""


@dataclass(frozen=True)
class Database:
    """Where a database lives, from a Django DATABASES entry or a DATABASE_URL."""

    vendor: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, config: dict) -> "Database":
        engine = config["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls(SQLITE, str(config["NAME"]))
        if engine.endswith("postgresql"):
            return cls(
                POSTGRES,
                config["NAME"],
                config.get("USER") or "",
                config.get("PASSWORD") or "",
                config.get("HOST") or "",
                str(config.get("PORT") or ""),
            )
        raise BackupError(f"unsupported database engine {engine}")

    @classmethod
    def from_url(cls, url: str) -> "Database":
        try:
            return cls.from_settings(dj_database_url.parse(url))
        except ValueError as exc:
            raise BackupError(f"not a database URL: {url}") from exc

    @classmethod
    def current(cls) -> "Database":
        """The database this process uses (under pytest, the test database)."""
        return cls.from_settings(connection.settings_dict)

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in [
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
            ("PGDATABASE", self.name),
        ]:
            if value:
                env[key] = value
        return env

    def connect(self):
        if self.vendor == SQLITE:
            return sqlite3.connect(self.name)
        return psycopg.connect(
            dbname=self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
        )


def default_folder() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def _private(path: Path) -> None:
    path.chmod(0o600)


def backup(out: Path | None = None, *, database: Database | None = None) -> Path:
    """Write a backup of `database` (default: the current one) to `out` (default: a
    time-stamped file under var/backups/) with its manifest; returns the backup's path."""
    database = database or Database.current()
    if out is None:
        folder = default_folder()
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = folder / f"revisit-{stamp}.{'sqlite3' if database.vendor == SQLITE else 'dump'}"
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} exists already; choose another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    if database.vendor == SQLITE:
        _sqlite_copy(database.connect(), sqlite3.connect(out))
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={out}"], database)
    _private(out)
    manifest = {
        "vendor": database.vendor,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": fingerprints(_source_of(out, database)),
    }
    manifest_path = out.with_name(out.name + MANIFEST_SUFFIX)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    _private(manifest_path)
    return out


def _sqlite_copy(source, target) -> None:
    """Copy a whole SQLite database page by page (its online backup API), then close both."""
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _source_of(out: Path, database: Database) -> Database:
    """What the manifest describes: the backup file itself for SQLite (a database of its
    own); for PostgreSQL the live database it was dumped from. pg_dump reads one
    consistent snapshot, but writes after it would differ from a later fingerprint, so a
    PostgreSQL backup is best taken when nobody writes (the schedule runs it at night)."""
    return Database(SQLITE, str(out)) if database.vendor == SQLITE else database


def restore(path: Path, *, into: Database | None = None) -> dict[str, list]:
    """Restore the backup at `path` into `into` (default: the current database),
    replacing its contents, then check it against the manifest. Returns the restored
    tables' fingerprints; raises BackupError when they differ from the manifest."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} not found")
    into = into or Database.current()
    manifest_path = path.with_name(path.name + MANIFEST_SUFFIX)
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if manifest and manifest["vendor"] != into.vendor:
        raise BackupError(f"a {manifest['vendor']} backup cannot be restored into {into.vendor}")
    if into.vendor == SQLITE:
        _sqlite_copy(sqlite3.connect(f"file:{path}?mode=ro", uri=True), into.connect())
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={into.name}",
                str(path),
            ],
            into,
        )
    restored = fingerprints(into)
    if manifest:
        differ = sorted(
            t
            for t in set(manifest["tables"]) | set(restored)
            if manifest["tables"].get(t) != restored.get(t)
        )
        if differ:
            raise BackupError("restored tables differ from the backup: " + ", ".join(differ))
    return restored


def _run(command: list[str], database: Database) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)")
    done = subprocess.run(command, env=database.pg_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def fingerprints(database: Database) -> dict[str, list]:
    """Per table: [row count, SHA-256 of its rows in primary-key order]."""
    conn = database.connect()
    try:
        cursor = conn.cursor()
        result = {}
        for table in _tables(cursor, database.vendor):
            order = _order_by(cursor, database.vendor, table)
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608
            digest = hashlib.sha256()
            count = 0
            while rows := cursor.fetchmany(5000):
                count += len(rows)
                for row in rows:
                    digest.update(repr(tuple(row)).encode())
                    digest.update(b"\n")
            result[table] = [count, digest.hexdigest()]
        return result
    finally:
        conn.close()


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == SQLITE:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(name for (name,) in cursor.fetchall())


def _order_by(cursor, vendor: str, table: str) -> str:
    if vendor == SQLITE:
        return "rowid"
    cursor.execute(
        """SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
           WHERE i.indrelid = %s::regclass AND i.indisprimary""",
        [f'"{table}"'],
    )
    keys = [f'"{name}"' for (name,) in cursor.fetchall()]
    if keys:
        return ", ".join(keys)
    cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = %s", [table])
    return ", ".join(str(i) for i in range(1, cursor.fetchone()[0] + 1))


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (and their manifests) in `folder`."""
    backups = sorted(
        (p for p in folder.glob("revisit-*") if not p.name.endswith(MANIFEST_SUFFIX)),
        key=lambda p: p.name,
        reverse=True,
    )
    removed = []
    for old in backups[keep:]:
        old.unlink()
        manifest = old.with_name(old.name + MANIFEST_SUFFIX)
        manifest.unlink(missing_ok=True)
        removed.append(old)
    return removed
