from datetime import UTC, datetime

import pytest

from revisit.core.models import Role
from revisit.customers.models import Gender
from revisit.outreach.models import FollowUp
from revisit.wallet.ledger import open_account, post
from tests.factories import make_customer, make_org, make_region, make_staff, make_store

# 2026-05-20 10:00 in Shanghai.
MAY = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)


def contact(customer, actor, when=MAY, channel="call"):
    return FollowUp.objects.create(
        organization=customer.organization,
        customer=customer,
        actor=actor,
        channel=channel,
        outcome="valid_2",
        contacted_at=when,
    )


@pytest.fixture
def chain(db):
    """Two regions: R1 with stores S1 and S2, R2 with S3; the people of each; customers
    of S1 contacted in May 2026, one of whom earned points."""
    org = make_org()
    r1, r2 = make_region(org, "R1"), make_region(org, "R2")
    s1, s2, s3 = make_store(org, "S1", r1), make_store(org, "S2", r1), make_store(org, "S3", r2)
    people = {
        "admin": make_staff(org, Role.ADMIN, name="管理员"),
        "supervisor": make_staff(org, Role.REGION_SUPERVISOR, region=r1, name="区域主管"),
        "supervisor2": make_staff(org, Role.REGION_SUPERVISOR, region=r2, name="二区主管"),
        "manager": make_staff(org, Role.STORE_MANAGER, store=s1, name="一店店长"),
        "manager3": make_staff(org, Role.STORE_MANAGER, store=s3, name="三店店长"),
        "consultant": make_staff(org, Role.CONSULTANT, store=s1, name="一店顾问"),
        "caller": make_staff(org, Role.CALLER, store=s1, name="一店客服"),
        "consultant3": make_staff(org, Role.CONSULTANT, store=s3, name="三店顾问"),
    }
    a = make_customer(org, "C-A", name="张伟", gender=Gender.MALE, tier="A", home_store=s1)
    b = make_customer(org, "C-B", name="李娜", gender=Gender.FEMALE, tier="B", home_store=s1)
    c = make_customer(org, "C-C", name="王芳", gender=Gender.FEMALE, home_store=s1)
    elsewhere = make_customer(org, "C-X", name="赵六", tier="A", home_store=s3)
    consultant = people["consultant"]
    contact(a, consultant)
    contact(a, consultant, channel="wechat")
    for _ in range(3):
        contact(b, consultant)
    contact(elsewhere, people["consultant3"])
    contact(c, consultant, when=datetime(2026, 4, 30, 2, 0, tzinfo=UTC))  # April
    account = open_account(a, "points", actor=people["admin"], now=MAY)
    post(account, 120, kind="earn", actor=people["admin"], now=MAY)
    post(account, -20, kind="spend", actor=people["admin"], now=MAY)
    return {"org": org, "r1": r1, "r2": r2, "s1": s1, "s2": s2, "s3": s3, **people, "a": a, "b": b}
