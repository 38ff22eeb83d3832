import os
import subprocess
import sys

import pytest

# The browser fixtures, shared by every browser test file under tests/web/.
from tests.web.browser import browser, chromium, demo_live  # noqa: F401


@pytest.fixture(scope="session")
def fresh_install(tmp_path_factory):
    """A state folder as the product's first `revisit migrate` leaves it (SQLite, no
    DATABASE_URL set): the folder, the database and the secret key it creates. A migrate
    from nothing costs seconds, so the tests that need one share it and only read it
    (mark them `xdist_group("fresh_install")`, so one worker makes it once)."""
    var = tmp_path_factory.mktemp("fresh-install") / "var"
    env = dict(os.environ, REVISIT_VAR=str(var))
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "revisit.cli", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        capture_output=True,
    )
    return var
