"""Referred friends invited last month who did not come are invited again with the next
campaign for the item they need, not with any campaign; once, whatever the ticks."""

from datetime import UTC, date, datetime

import pytest

from revisit.core.models import Role
from revisit.outreach.campaigns import reinvite
from revisit.outreach.models import Campaign, ScheduledContact
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.leads import register_lead
from revisit.referrals.tasks import reinvite_leads_tick
from revisit.sales.models import Item
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
APRIL_1 = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def leads():
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN)
    referrer = make_customer(org, "OLD-1", mobile="+8613800000001", home_store=store)
    Item.objects.create(organization=org, code="E1", name="双眼皮", category="眼部整形")
    made = {}

    def lead(name, mobile, items, registered, expected=None):
        made[name] = register_lead(
            referrer,
            actor=admin,
            store=store,
            name=name,
            mobile=mobile,
            items=items,
            intention=1,
            expected_arrival=expected,
            follow_up=False,
            now=datetime(*registered, 3, 0, tzinfo=UTC),
        )
        return made[name]

    lead("眼部", "13900000051", "眼部整形", (2026, 3, 10))
    lead("双眼皮", "13900000052", "玻尿酸、双眼皮", (2026, 3, 5))
    lead("肉毒素", "13900000053", "肉毒素", (2026, 3, 12))
    lead("二月", "13900000054", "眼部整形", (2026, 2, 10))
    lead("到了", "13900000055", "眼部整形", (2026, 3, 1))
    lead("预计三月", "13900000056", "眼部整形", (2026, 1, 10), expected=date(2026, 3, 20))
    record_arrival(
        made["到了"], actor=admin, facts=ArrivalFacts(), now=datetime(2026, 3, 3, tzinfo=UTC)
    )
    campaign = Campaign.objects.create(
        organization=org,
        name="眼部会销",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 20),
        categories=["眼部整形"],
    )
    return {"org": org, "leads": made, "campaign": campaign}


def test_last_months_leads_for_the_campaigns_item_are_invited_once(leads, time_machine):
    time_machine.move_to(APRIL_1)
    reinvite_leads_tick.call_local()
    reinvite_leads_tick.call_local()  # twice: scheduled once
    reinvite(leads["campaign"], now=APRIL_1)  # the campaign's own re-invitations add none
    invited = {
        c.customer_id
        for c in ScheduledContact.objects.filter(organization=leads["org"], reason="campaign")
    }
    names = {name for name, lead in leads["leads"].items() if lead.customer_id in invited}
    assert names == {"眼部", "双眼皮", "预计三月"}
    due = ScheduledContact.objects.filter(organization=leads["org"], reason="campaign")
    assert {c.due_on for c in due} == {date(2026, 4, 1)}
    assert due.count() == 3


def test_a_campaign_for_another_item_invites_none_of_them(leads, time_machine):
    Campaign.objects.filter(pk=leads["campaign"].pk).update(categories=["皮肤美容"])
    time_machine.move_to(APRIL_1)
    reinvite_leads_tick.call_local()
    assert not ScheduledContact.objects.filter(organization=leads["org"]).exists()
