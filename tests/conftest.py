import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from revisit.core.models import Staff
from revisit.demo import build_demo


@pytest.fixture
def demo(db):
    """A small demo organization as of today: two inventories, today's call lists."""
    org = build_demo(customers=400, as_of=timezone.localdate()).organization
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    return {"org": org, **people}


@pytest.fixture(autouse=True)
def background_tasks_run_at_once():
    """Tasks queued for the background worker run inside the test, in order."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False
