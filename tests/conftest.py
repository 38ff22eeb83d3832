import os
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id
from django.conf import settings as django_settings
from django.test import override_settings
from huey.contrib.djhuey import HUEY

from revisit.core.models import Role, Staff
from tests import db_template
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.snapshots import demo_copy, demo_fixture

# Tests log in and build staff all the time; the production hasher (PBKDF2, ~0.2 s a
# password by design) would be most of the suite's time. Passwords are still checked.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """On SQLite the test database is a copy of the migrated template when one matches
    the migrations (tests/db_template.py): Django then keeps it and migrates nothing."""
    if not db_template.enabled(request.config):
        return request.config.getvalue("reuse_db")
    return db_template.copy_into_test_database(db_template.path())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_keepdb, request):
    """pytest-django's, then the migrated database kept as the template when it was
    migrated here."""
    if db_template.enabled(request.config) and not django_db_keepdb:
        db_template.save(db_template.path())
    yield
    if db_template.enabled(request.config) and django_db_keepdb:
        # A copy of the template: gone at the end like a migrated one.
        from django.db import connections

        connections.close_all()
        db_template.remove_test_database()


@pytest.fixture(scope="session", autouse=True)
def own_state_folder():
    """Under pytest-xdist (`make test` runs one worker per core) each worker keeps its
    files in a folder of its own, as it has its own test database (pytest-django names
    it after the worker): uploads, import reports, backups and the background queue.
    Otherwise one worker's erasure, retention sweep or queue flush could reach another's
    files."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield
        return
    var = Path(django_settings.VAR_DIR) / worker
    var.mkdir(mode=0o700, exist_ok=True)
    queue = dict(HUEY.storage_kwargs)
    if "filename" in queue:  # SqliteHuey (with REDIS_URL it is Redis: none is set here)
        HUEY.storage_kwargs["filename"] = str(var / "huey.sqlite3")
        HUEY.storage = HUEY.create_storage()
    with override_settings(
        VAR_DIR=var,
        MEDIA_ROOT=var / "media",
        IMPORT_REPORT_DIR=var / "imports",
    ):
        yield
    HUEY.storage_kwargs.clear()
    HUEY.storage_kwargs.update(queue)
    HUEY.storage = HUEY.create_storage()


def pytest_collection_modifyitems(config, items):
    """The browser tests run after all others, in their order: they share one Chromium
    for the session (tests/web/browser.py), whose event loop then stays set in the
    thread, and no other test should run with it."""
    items.sort(key=lambda item: "chromium" in item.fixturenames)
    _group_for_xdist(config, items)


def _group_for_xdist(config, items):
    """`--dist loadgroup` sends the tests of one `xdist_group` to one worker by the
    "@group" suffix pytest-xdist puts on their ids. pytest-xdist 3.8 sets it on `_nodeid`,
    which pytest 9 no longer reads (it keeps the id in `_id`), so every worker ran the
    group's session fixture (a migrate from nothing each): the suffix is put here."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(names))
        if not names or item.nodeid.endswith(suffix) or not hasattr(item, "_id"):
            continue
        item._id = coerce_node_id(item.nodeid + suffix)


demo_400_built = demo_fixture(400)


@pytest.fixture
def demo(demo_400_built, db):
    """A small demo organization as of today: two inventories, today's call lists."""
    org = demo_copy(400)
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    return {"org": org, **people}


@pytest.fixture(autouse=True)
def background_tasks_run_at_once():
    """Tasks queued for the background worker run inside the test, in order."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def shop(db):
    """One organization, two stores, one person per role in the first store."""
    org = make_org()
    store, other = make_store(org, "S1"), make_store(org, "S2")
    people = {
        "admin": make_staff(org, Role.ADMIN, name="管理员"),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store, name="店长"),
        "consultant": make_staff(org, Role.CONSULTANT, store=store, name="咨询甲"),
        "consultant_b": make_staff(org, Role.CONSULTANT, store=store, name="咨询乙"),
        "desk": make_staff(org, Role.FRONT_DESK, store=store, name="前台"),
        "caller": make_staff(org, Role.CALLER, store=store, name="客服"),
        "doctor": make_staff(org, Role.PRACTITIONER, store=store, name="医生"),
        "desk_b": make_staff(org, Role.FRONT_DESK, store=other, name="前台乙"),
    }
    existing = make_customer(org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store)
    return {"org": org, "store": store, "other": other, "existing": existing, **people}
