import pytest
from django.test import override_settings
from huey.contrib.djhuey import HUEY

from revisit.core.models import Staff
from tests.snapshots import demo_copy, demo_fixture

# Tests log in and build staff all the time; the production hasher (PBKDF2, ~0.2 s a
# password by design) would be most of the suite's time. Passwords are still checked.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


demo_400_built = demo_fixture(400)
demo_300_built = demo_fixture(300)


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
