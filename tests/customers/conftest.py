import pytest

from revisit.core.models import Role
from tests.factories import make_customer, make_org, make_staff, make_store


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
