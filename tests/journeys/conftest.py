from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from revisit.customers.consents import set_consent
from revisit.customers.models import Gender
from revisit.journeys.services import install_default_journeys
from revisit.messaging.models import MessagingSettings
from revisit.messaging.rules import messaging_settings
from revisit.wallet.points_models import MembershipCard, MembershipStatus
from tests.factories import Role, make_customer, make_org, make_staff, make_store

SHANGHAI = ZoneInfo("Asia/Shanghai")


def member(customer, since=date(2020, 3, 9)):
    return MembershipCard.objects.create(
        organization=customer.organization,
        customer=customer,
        card_number=f"M{customer.pk:08d}",
        status=MembershipStatus.FORMAL,
        issued_at=datetime(2019, 1, 1, tzinfo=SHANGHAI),
        formal_on=since,
        store=customer.home_store,
    )


class Shop:
    """An organization with the default journeys, one customer per tier (members,
    consenting to SMS), a non-member, a teacher and a soldier."""

    def __init__(self):
        self.org = make_org()
        self.store = make_store(self.org)
        self.admin = make_staff(self.org, Role.ADMIN)
        messaging_settings(self.org)
        MessagingSettings.objects.filter(organization=self.org).update(
            quiet_start=time(0), quiet_end=time(0), signature="示例服饰"
        )
        install_default_journeys(self.org)
        self.people = {}
        for n, (code, tier, extra) in enumerate(
            [
                ("SVIP", "SVIP", {}),
                ("A", "A", {}),
                ("B", "B", {}),
                ("C", "C", {}),
                ("NM", "C", {}),
                ("TEACHER", "B", {"occupation_group": "teacher"}),
                ("SOLDIER", "C", {"occupation_group": "soldier"}),
            ]
        ):
            customer = make_customer(
                self.org,
                code,
                name=f"王{code}",
                gender=Gender.FEMALE,
                mobile=f"+86138000000{n:02d}",
                home_store=self.store,
                tier=tier,
                **extra,
            )
            set_consent(customer, actor=self.admin, channel="sms", granted=True, source="到店签字")
            if code != "NM":
                member(customer)
            self.people[code] = customer


@pytest.fixture
def shop(db):
    return Shop()
