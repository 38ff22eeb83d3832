"""While another process holds a long write transaction (an import writes in one, for
atomicity: 1,000,000 order lines hold SQLite's write lock for about 37 s, see
bench/results/import.md), a login, a phone reveal and an API call wait for it and then
succeed: none answers "database is locked".

The write is held for a few seconds: long enough that the three requests reach the lock
while it is held and must wait (each ends only after the write has let go), and the test
reads the busy timeout of the connections those requests use, which is what decides how
long a wait may last (it was 10 s, and a longer write failed them). Holding the lock for
longer than that timeout would only prove the same again at the price of the wait."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from revisit.api.models import ApiToken
from revisit.core.models import Role
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOLD_SECONDS = 3
# The longest write lock measured (1,000,000 order lines, bench/results/import.md): a
# request's connection must be willing to wait longer than that.
LONGEST_WRITE_MS = 37_000

LONG_WRITE = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.db import transaction
from revisit.core.models import Organization
with transaction.atomic():
    Organization.objects.create(code="long-write", name="long write")
    Path(sys.argv[1]).write_text("holding")
    time.sleep(float(sys.argv[2]))
    Path(sys.argv[3]).write_text(repr(time.time()))  # still held at this instant
"""


def _child_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="revisit.settings")
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


def _in_thread(results: dict, ended: dict, busy_ms: dict, name: str, request):
    def run():
        try:
            results[name] = request(Client(raise_request_exception=False))
            ended[name] = time.time()
            if connection.vendor == "sqlite":
                # The request closed its connection; a new one is set up the same way.
                with connection.cursor() as cursor:
                    busy_ms[name] = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_login_a_reveal_and_an_api_call_wait_for_a_long_write_and_succeed(tmp_path):
    org = make_org()
    store = make_store(org)
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    manager.set_password("a-long-password-9")
    manager.save()
    customer = make_customer(org, home_store=store, mobile="13800138000")
    _, token = ApiToken.issue(manager)
    bearer = {"Authorization": f"Bearer {token}"}

    ready, last_held = tmp_path / "holding", tmp_path / "last-held"
    writer = subprocess.Popen(
        [sys.executable, "-c", LONG_WRITE, str(ready), str(HOLD_SECONDS), str(last_held)],
        env=_child_env(),
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(1200):  # a guard, not a timing: the writer says when it holds
            if ready.exists() or writer.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), writer.stderr.read().decode()
        results, ended, busy_ms = {}, {}, {}
        threads = [
            _in_thread(
                results,
                ended,
                busy_ms,
                "login",
                lambda c: (
                    c.post(
                        "/accounts/login/",
                        {"username": manager.username, "password": "a-long-password-9"},
                    ).status_code
                ),
            ),
            _in_thread(
                results,
                ended,
                busy_ms,
                "reveal",
                lambda c: c.post(f"/api/customers/{customer.pk}/phone", headers=bearer).status_code,
            ),
            _in_thread(
                results,
                ended,
                busy_ms,
                "api",
                lambda c: c.get("/api/customers", headers=bearer).status_code,
            ),
        ]
        for thread in threads:
            thread.join()
        assert writer.wait() == 0, writer.stderr.read().decode()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert results == {"login": 302, "reveal": 200, "api": 200}
    if connection.vendor == "sqlite":
        # Each waited for the write (none finished while it held the lock) ...
        held_until = float(last_held.read_text())
        assert all(at > held_until for at in ended.values()), (ended, held_until)
        # ... and would have waited through the longest write there is.
        assert len(busy_ms) == 3 and all(ms > LONGEST_WRITE_MS for ms in busy_ms.values())
