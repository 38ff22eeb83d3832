import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from revisit.core.models import Department, Role
from revisit.grading.models import Grade, Inventory
from revisit.outreach.cadences import install_default_cadences
from revisit.outreach.models import FollowUp
from revisit.outreach.strategies import install_default_strategies
from tests.factories import make_customer, make_org, make_staff, make_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 5, 6)
_phones = itertools.count(13800000001)


def at(day: date, hour: int = 10) -> datetime:
    """A moment on the organization's local day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def clinic():
    org = make_org("clinic")
    store = make_store(org, "S1")
    onsite = Department.objects.create(organization=org, kind="onsite", name="现场部")
    service = Department.objects.create(organization=org, kind="customer_service", name="客服部")
    consultant = make_staff(org, Role.CONSULTANT, store=store, name="陈咨询")
    consultant.department = onsite
    consultant.save()
    callers = []
    for name in ("冯客服", "韩客服"):
        caller = make_staff(org, Role.CALLER, store=store, name=name)
        caller.department = service
        caller.save()
        callers.append(caller)
    manager = make_staff(org, Role.STORE_MANAGER, store=store, name="李店长")
    install_default_strategies(org)
    install_default_cadences(org)
    inventory = Inventory.objects.create(organization=org, as_of=DAY - timedelta(days=1))
    return {
        "org": org,
        "store": store,
        "consultant": consultant,
        "callers": callers,
        "manager": manager,
        "inventory": inventory,
    }


def graded(clinic, segment: str, n: int = 1, **fields) -> list:
    """n customers of `segment` in the clinic's inventory, with valid mobiles."""
    made = []
    for _ in range(n):
        fields.setdefault("home_store", clinic["store"])
        customer = make_customer(
            clinic["org"], mobile=f"+86{next(_phones)}", phone_status="valid", **fields
        )
        Grade.objects.create(
            inventory=clinic["inventory"], customer=customer, segment=segment, tier="B"
        )
        made.append(customer)
    return made


def contacted(customer, actor, when: datetime, outcome: str = "valid_2"):
    return FollowUp.objects.create(
        organization=customer.organization,
        customer=customer,
        actor=actor,
        channel="call",
        outcome=outcome,
        contacted_at=when,
    )
