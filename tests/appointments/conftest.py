from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from revisit.appointments.shifts import add_shift
from revisit.core.models import Role
from tests.factories import make_customer, make_org, make_staff, make_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)  # a Monday


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def desk():
    """A store with a manager, two consultants, a practitioner on Monday 09:00–18:00 and
    Friday 20:00–02:00 (overnight), and a customer owned by the first consultant."""
    org = make_org()
    store = make_store(org)
    manager = make_staff(org, Role.STORE_MANAGER, store=store, name="店长")
    consultant = make_staff(org, Role.CONSULTANT, store=store, name="甲咨询")
    other = make_staff(org, Role.CONSULTANT, store=store, name="乙咨询")
    doctor = make_staff(org, Role.PRACTITIONER, store=store, name="丙医生")
    add_shift(store, doctor, weekday=0, starts=time(9), ends=time(18), actor=manager)
    add_shift(store, doctor, weekday=4, starts=time(20), ends=time(2), actor=manager)
    customer = make_customer(
        org, "K1", name="王女士", mobile="+8613812345678", home_store=store, owner=consultant
    )
    return {
        "org": org,
        "store": store,
        "manager": manager,
        "consultant": consultant,
        "other": other,
        "doctor": doctor,
        "customer": customer,
    }
