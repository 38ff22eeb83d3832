from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from revisit.appointments.models import Appointment
from revisit.core.models import Role
from revisit.sales.models import Item
from tests.factories import make_customer, make_org, make_staff, make_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 27)
NOW = datetime.combine(TODAY, time(10), tzinfo=SHANGHAI)


@pytest.fixture
def salon(db):
    """A salon with a store, its people, the 光子嫩肤 item, its 10-session card product,
    and two customers of the store."""
    org = make_org()
    store = make_store(org)
    other_store = make_store(org, "S2")
    people = {
        "admin": make_staff(org, Role.ADMIN, name="管理员"),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store, name="店长"),
        "desk": make_staff(org, Role.FRONT_DESK, store=store, name="前台"),
        "doctor": make_staff(org, Role.PRACTITIONER, store=store, name="美容师"),
        "consultant": make_staff(org, Role.CONSULTANT, store=store, name="咨询师"),
        "manager_b": make_staff(org, Role.STORE_MANAGER, store=other_store, name="二店长"),
    }
    photon = Item.objects.create(
        organization=org, code="GZ", name="光子嫩肤", category="嫩肤", list_price=Decimal("980")
    )
    wang = make_customer(
        org,
        "K1",
        name="王女士",
        gender="F",
        mobile="+8613812345678",
        home_store=store,
        owner=people["consultant"],
    )
    li = make_customer(org, "K2", name="李女士", mobile="+8613812345679", home_store=store)
    far = make_customer(org, "K3", name="赵女士", mobile="+8613812345670", home_store=other_store)
    return {
        "org": org,
        "store": store,
        "other_store": other_store,
        "photon": photon,
        "wang": wang,
        "li": li,
        "far": far,
        **people,
    }


def appointment(salon, customer=None, *, item=None, status=Appointment.Status.ARRIVED, now=NOW):
    customer = customer or salon["wang"]
    return Appointment.objects.create(
        organization=salon["org"],
        customer=customer,
        store=salon["store"],
        practitioner=salon["doctor"],
        item=item or salon["photon"],
        starts_at=now - timedelta(hours=1),
        ends_at=now,
        status=status,
    )
