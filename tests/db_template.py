"""A migrated SQLite test database kept between runs, so a run whose migrations are the
same as the last one's copies a file instead of migrating from nothing (75 migrations
cost each xdist worker seconds of Django's migration state rendering).

The template is named after a hash of every migration file Django loads (the project's,
Django's own apps' and third-party apps') and the versions of Django and SQLite: a changed,
added or removed migration makes a new one, built by migrating as before. It is made right
after the migrate, before any test ran, with SQLite's backup API. Migrations from nothing
are still run and checked by the tests that need them (`fresh_install`, test_migrations).
"""

import hashlib
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import django
from django.conf import settings
from django.db import connection

# The state folder of the whole run (read before a worker moves VAR_DIR to its own), so
# the workers of this run and the next ones share the templates.
TEMPLATES = Path(settings.VAR_DIR) / "test-templates"


def enabled(config) -> bool:
    return (
        connection.vendor == "sqlite"
        and not config.getvalue("reuse_db")
        and not config.getvalue("create_db")
        and not config.getvalue("nomigrations")
    )


def _test_database() -> Path:
    return Path(connection.settings_dict["TEST"]["NAME"])


def path() -> Path:
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        module = sys.modules[loader.disk_migrations[key].__module__]
        digest.update("/".join(key).encode())
        digest.update(Path(module.__file__).read_bytes())
    return TEMPLATES / f"{digest.hexdigest()[:20]}.sqlite3"


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def copy_into_test_database(template: Path) -> bool:
    """Put the template where the test database goes; False when there is none yet."""
    if not template.exists():
        return False
    database = _test_database()
    _remove(database)  # a killed run's leftovers, the WAL first of all
    shutil.copyfile(template, database)
    return True


def remove_test_database() -> None:
    _remove(_test_database())


def save(template: Path) -> None:
    """Keep the freshly migrated test database as the template (atomically: two workers
    may both have migrated)."""
    template.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = template.with_name(f"{template.name}.{os.getpid()}")
    _remove(partial)
    source = sqlite3.connect(_test_database())
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    os.replace(partial, template)
