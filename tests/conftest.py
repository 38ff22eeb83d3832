import pytest
from django.utils import timezone

from revisit.core.models import Staff
from revisit.demo import build_demo


@pytest.fixture
def demo(db):
    """A small demo organization as of today: two inventories, today's call lists."""
    org = build_demo(customers=400, as_of=timezone.localdate()).organization
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    return {"org": org, **people}
