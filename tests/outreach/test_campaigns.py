"""Campaigns with a period: created, edited and ended (audited), no two at once; the
call lists mark the customers a running campaign targets; customers who declined or
were unreachable last time are invited again when the next campaign for them starts,
once however often the tick runs."""

from datetime import date, timedelta

import pytest
import time_machine

from revisit.core.models import AuditEvent
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.campaigns import (
    CampaignError,
    active_campaign,
    create_campaign,
    end_campaign,
    reinvite_started,
    update_campaign,
)
from revisit.outreach.models import CallTask, ScheduledContact
from revisit.outreach.tasks import prepare_day
from revisit.sales.models import Item
from tests.factories import make_order
from tests.outreach.conftest import DAY, at, contacted, graded

pytestmark = pytest.mark.django_db


def values(**changes):
    base = {
        "name": "五月周年庆",
        "starts_on": DAY,
        "ends_on": DAY + timedelta(days=25),
        "segments": ["A4"],
        "tiers": [],
        "categories": [],
        "offer": "到院赠护理一次",
        "overrides": {"A4": {"offer": "半价体验", "invitation_type": "free_trial"}},
    }
    return {**base, **changes}


def test_a_campaign_is_created_edited_and_ended_audited(clinic):
    org, admin = clinic["org"], clinic["manager"]
    campaign = create_campaign(org, values(), actor=admin)
    assert active_campaign(org, DAY) == campaign
    assert active_campaign(org, DAY - timedelta(days=1)) is None
    update_campaign(campaign, values(name="五月院庆"), actor=admin)
    with time_machine.travel(at(DAY + timedelta(days=3)), tick=False):
        end_campaign(campaign, actor=admin)
        with pytest.raises(CampaignError):
            end_campaign(campaign, actor=admin)
    assert active_campaign(org, DAY + timedelta(days=2)) == campaign
    assert active_campaign(org, DAY + timedelta(days=3)) is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="campaign.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["campaign.create", "campaign.edit", "campaign.end"]
    edit = AuditEvent.objects.get(action="campaign.edit").data["changed"]
    assert edit == {"name": {"before": "五月周年庆", "after": "五月院庆"}}


def test_dates_the_wrong_way_round_and_overlaps_are_refused(clinic):
    org, admin = clinic["org"], clinic["manager"]
    with pytest.raises(CampaignError):
        create_campaign(org, values(ends_on=DAY - timedelta(days=1)), actor=admin)
    first = create_campaign(org, values(), actor=admin)
    with pytest.raises(CampaignError):
        create_campaign(org, values(starts_on=DAY + timedelta(days=25)), actor=admin)
    later = create_campaign(
        org,
        values(starts_on=DAY + timedelta(days=26), ends_on=DAY + timedelta(days=40)),
        actor=admin,
    )
    with pytest.raises(CampaignError):  # an edit may not make them overlap either
        update_campaign(later, values(starts_on=DAY + timedelta(days=20)), actor=admin)
    with pytest.raises(CampaignError):
        create_campaign(org, values(segments=[], starts_on=date(2025, 1, 1)), actor=admin)
    assert AuditEvent.objects.filter(action="campaign.create").count() == 2
    assert first.pk != later.pk


def test_the_call_lists_mark_the_tasks_of_the_targeted_segments(clinic):
    create_campaign(clinic["org"], values(), actor=clinic["manager"])
    a4 = graded(clinic, "A4", 1, owner=clinic["consultant"])
    a1 = graded(clinic, "A1", 1, owner=clinic["consultant"])
    generate_call_lists(clinic["org"], date=DAY)
    assert CallTask.objects.get(customer=a4[0]).campaign.name == "五月周年庆"
    assert CallTask.objects.get(customer=a1[0]).campaign is None


def test_declined_and_unreachable_customers_are_invited_again_once_when_it_starts(clinic):
    org, consultant = clinic["org"], clinic["consultant"]
    earlier = at(DAY - timedelta(days=20))
    declined, unreachable, interested, elsewhere = graded(clinic, "A4", 4, owner=consultant)
    [not_targeted] = graded(clinic, "B2", 1, owner=consultant)
    [bought_botox] = graded(clinic, "B3", 1, owner=consultant)
    botox = Item.objects.create(organization=org, code="BTX", name="除皱", category="肉毒素")
    make_order(bought_botox, "699", on=DAY - timedelta(days=200), item=botox)
    contacted(declined, consultant, earlier, "valid_3")
    contacted(unreachable, consultant, earlier - timedelta(days=1), "valid_2")
    contacted(unreachable, consultant, earlier, "invalid_1")
    contacted(interested, consultant, earlier, "valid_2")
    contacted(not_targeted, consultant, earlier, "valid_3")
    contacted(bought_botox, consultant, earlier, "invalid_1")
    # A decline on record still waits for its own "call again in 90 days".
    ScheduledContact.objects.create(
        organization=org, customer=declined, due_on=DAY + timedelta(days=70), reason="declined"
    )
    create_campaign(org, values(categories=["肉毒素"]), actor=clinic["manager"])
    with time_machine.travel(at(DAY - timedelta(days=1), 8), tick=False):
        assert reinvite_started(org) == 0  # not started yet
    with time_machine.travel(at(DAY, 8), tick=False):
        first = prepare_day(org.pk)
        second = prepare_day(org.pk)
    assert first["reinvited"] == 3 and second["reinvited"] == 0
    invited = ScheduledContact.objects.filter(reason="campaign")
    assert sorted(invited.values_list("customer_id", flat=True)) == sorted(
        [declined.pk, unreachable.pk, bought_botox.pk]
    )
    assert set(invited.values_list("due_on", flat=True)) == {DAY}
    assert not ScheduledContact.objects.filter(
        customer=declined, reason="declined", status="pending"
    ).exists()
    # The re-invitations are today's calls, marked with the campaign.
    for customer in (declined, unreachable, bought_botox):
        task = CallTask.objects.get(customer=customer, due_date=DAY)
        assert task.source == "scheduled" and task.campaign is not None
    assert AuditEvent.objects.filter(action="campaign.reinvite").count() == 1


def test_the_command_line_names_the_campaign_and_re_invites(clinic):
    from io import StringIO

    from django.core.management import call_command

    org = clinic["org"]
    [declined] = graded(clinic, "A4", 1, owner=clinic["consultant"])
    contacted(declined, clinic["consultant"], at(DAY - timedelta(days=9)), "valid_3")
    create_campaign(org, values(), actor=clinic["manager"])
    out = StringIO()
    with time_machine.travel(at(DAY, 8), tick=False):
        call_command("calllists", "reinvite", "--org", org.code, stdout=out)
        call_command("calllists", "reinvite", "--org", org.code, stdout=out)
        call_command("calllists", "generate", "--date", str(DAY), "--org", org.code, stdout=out)
    text = out.getvalue()
    assert "再次邀约 1 位顾客" in text and "再次邀约 0 位顾客" in text
    assert "活动 (campaign): 五月周年庆" in text
    assert CallTask.objects.get(customer=declined).campaign is not None
