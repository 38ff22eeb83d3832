"""Message campaigns (群发): the preview counts what the rules hold back, a small send is
queued at once, a large one waits for a second person's approval (never the author's
own), a rejection sends nothing, a test goes to oneself only, and the report counts
sent, delivered, failed, opted out and the orders within 30 days."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from revisit.core.models import AuditEvent, Role
from revisit.customers.consents import set_consent
from revisit.messaging.campaign_models import MessageCampaign
from revisit.messaging.campaign_sends import (
    approve_campaign,
    campaign_report,
    cancel_campaign,
    clean_filters,
    create_campaign,
    may_approve,
    reject_campaign,
    submit_campaign,
    visible_campaigns,
)
from revisit.messaging.campaign_sends import (
    test_send as send_test,
)
from revisit.messaging.models import Message, MessagingSettings
from revisit.messaging.outbox import send_due
from revisit.messaging.services import MessagingError
from tests.factories import make_order, make_org, make_staff, make_store
from tests.messaging.conftest import DAYTIME, sent_lines

pytestmark = pytest.mark.django_db


def _threshold(org, n):
    from revisit.messaging.rules import messaging_settings

    messaging_settings(org)
    MessagingSettings.objects.filter(organization=org).update(campaign_approval_threshold=n)


def _create(shopfront, actor, **filters):
    return create_campaign(
        shopfront["org"],
        actor=actor,
        name="秋季新品群发",
        template=shopfront["template"],
        filters=filters,
        now=DAYTIME,
    )


def test_a_small_send_is_previewed_then_queued_at_once(shopfront):
    campaign = _create(shopfront, shopfront["admin"])
    assert campaign.status == MessageCampaign.Status.DRAFT
    assert (campaign.audience_count, campaign.recipient_count) == (3, 2)
    assert campaign.suppressed == {"no_consent": 1}
    assert not Message.objects.exists()  # a draft sends nothing
    submit_campaign(campaign, actor=shopfront["admin"], now=DAYTIME)
    campaign.refresh_from_db()
    assert campaign.status == MessageCampaign.Status.QUEUED and campaign.queued_at == DAYTIME
    rows = Message.objects.filter(campaign=campaign)
    assert rows.filter(status="queued").count() == 2
    assert rows.filter(status="suppressed", suppression_reason="no_consent").count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"message_campaign.create", "message_campaign.submit"} <= actions
    with pytest.raises(MessagingError):  # a second submit queues nothing twice
        submit_campaign(campaign, actor=shopfront["admin"], now=DAYTIME)
    assert rows.count() == 3


def test_filters_narrow_the_audience(shopfront):
    tier_a = _create(shopfront, shopfront["admin"], tier="A")
    assert tier_a.audience_count == 1
    members = _create(shopfront, shopfront["admin"], membership="non_member")
    assert members.audience_count == 1  # 李娜 has no tier
    store = _create(shopfront, shopfront["admin"], store=shopfront["other"].pk)
    assert store.audience_count == 1 and store.store == shopfront["other"]
    recent = _create(shopfront, shopfront["admin"], visited_after="2030-01-01")
    assert recent.audience_count == 0


def test_a_large_send_waits_and_its_author_cannot_approve_it(shopfront):
    _threshold(shopfront["org"], 0)
    manager = shopfront["manager"]
    campaign = _create(shopfront, manager)
    assert campaign.store == shopfront["store"] and campaign.audience_count == 2
    submit_campaign(campaign, actor=manager, now=DAYTIME)
    assert campaign.status == MessageCampaign.Status.PENDING
    assert not Message.objects.exists()
    assert not may_approve(manager, campaign)
    with pytest.raises(PermissionDenied):
        approve_campaign(campaign, actor=manager)
    # A manager of another store neither sees nor approves it.
    stranger = make_staff(shopfront["org"], Role.STORE_MANAGER, store=shopfront["other"])
    assert not visible_campaigns(stranger).filter(pk=campaign.pk).exists()
    with pytest.raises(PermissionDenied):
        approve_campaign(campaign, actor=stranger)
    # A second manager of the same store does; the audience stays the author's scope.
    colleague = make_staff(shopfront["org"], Role.STORE_MANAGER, store=shopfront["store"])
    approve_campaign(campaign, actor=colleague, note="同意", now=DAYTIME)
    campaign.refresh_from_db()
    assert campaign.status == MessageCampaign.Status.QUEUED
    assert campaign.decided_by == colleague and campaign.decision_note == "同意"
    assert set(Message.objects.values_list("customer__code", flat=True)) == {"C-1", "C-2"}
    with pytest.raises(MessagingError):
        approve_campaign(campaign, actor=shopfront["admin"])
    assert Message.objects.count() == 2


def test_an_admin_cannot_approve_her_own_but_another_admin_can(shopfront):
    _threshold(shopfront["org"], 1)
    admin = shopfront["admin"]
    campaign = _create(shopfront, admin)
    submit_campaign(campaign, actor=admin, now=DAYTIME)
    assert campaign.status == MessageCampaign.Status.PENDING  # 2 > 1
    with pytest.raises(PermissionDenied):
        approve_campaign(campaign, actor=admin)
    # The store's manager may not approve an organization-wide send either.
    assert not may_approve(shopfront["manager"], campaign)
    other_admin = make_staff(shopfront["org"], Role.ADMIN)
    approve_campaign(campaign, actor=other_admin, now=DAYTIME)
    assert Message.objects.filter(campaign=campaign, status="queued").count() == 2


def test_a_rejected_or_cancelled_send_sends_nothing(shopfront):
    _threshold(shopfront["org"], 0)
    campaign = _create(shopfront, shopfront["manager"])
    submit_campaign(campaign, actor=shopfront["manager"], now=DAYTIME)
    reject_campaign(campaign, actor=shopfront["admin"], note="文案需修改")
    assert MessageCampaign.objects.get(pk=campaign.pk).status == "rejected"
    with pytest.raises(MessagingError):
        approve_campaign(campaign, actor=shopfront["admin"])
    draft = _create(shopfront, shopfront["manager"])
    cancel_campaign(draft, actor=shopfront["manager"])
    with pytest.raises(MessagingError):
        submit_campaign(draft, actor=shopfront["manager"], now=DAYTIME)
    assert not Message.objects.exists()


def test_a_test_goes_to_oneself_only_and_not_into_the_outbox(shopfront):
    campaign = _create(shopfront, shopfront["manager"])
    shown = send_test(campaign, actor=shopfront["manager"], to="13912345678")
    assert shown == "139****5678"
    lines = sent_lines(shopfront["dir"])
    assert len(lines) == 1 and '"+8613912345678"' in lines[0] and "新春会员喜福会" in lines[0]
    assert not Message.objects.exists()  # nobody's marketing: not in the outbox or the cap
    campaign.refresh_from_db()
    assert campaign.test_sent_to == "139****5678"
    assert AuditEvent.objects.filter(action="message_campaign.test").exists()
    for bad in ("", "12345", "x" * 5000, "=cmd()"):
        with pytest.raises(MessagingError):
            send_test(campaign, actor=shopfront["manager"], to=bad)
    assert len(sent_lines(shopfront["dir"])) == 1


@pytest.mark.parametrize(
    "filters",
    [
        {"visited_after": "2024-02-30"},
        {"visited_after": "9" * 5000},
        {"visited_after": "2024-05-02", "visited_before": "2024-05-01"},
        {"tier": "Z"},
        {"segment": "A9"},
        {"membership": "vip"},
        {"store": "abc"},
        {"store": 10**30},
        {"tag": -1},
    ],
)
def test_bad_filters_are_refused_with_a_message(shopfront, filters):
    with pytest.raises(MessagingError) as error:
        clean_filters(shopfront["org"], filters)
    assert str(error.value)


def test_another_organizations_store_or_template_cannot_be_used(shopfront):
    other = make_org()
    with pytest.raises(MessagingError):
        clean_filters(shopfront["org"], {"store": make_store(other, "X1").pk})
    from revisit.messaging.models import MessageTemplate

    stranger = MessageTemplate.objects.create(organization=other, name="别家", body="您好")
    with pytest.raises(PermissionDenied):
        create_campaign(shopfront["org"], actor=shopfront["admin"], name="x", template=stranger)


def test_the_report_counts_delivery_opt_outs_and_orders_within_30_days(shopfront):
    admin = shopfront["admin"]
    campaign = _create(shopfront, admin)
    submit_campaign(campaign, actor=admin, now=DAYTIME)
    assert send_due(now=DAYTIME)["sent"] == 2
    first = Message.objects.get(campaign=campaign, customer=shopfront["consenting"])
    Message.objects.filter(pk=first.pk).update(delivered_at=DAYTIME + timedelta(minutes=1))
    Message.objects.filter(campaign=campaign, customer=shopfront["elsewhere"]).update(
        delivery_error="UNDELIVERED"
    )
    set_consent(
        shopfront["elsewhere"],
        actor=admin,
        channel="sms",
        granted=False,
        source="回复退订",
        now=DAYTIME + timedelta(hours=1),
    )
    sent_day = date(2026, 5, 6)
    make_order(shopfront["consenting"], "300", on=sent_day + timedelta(days=3))
    make_order(shopfront["consenting"], "200", on=sent_day + timedelta(days=29))
    make_order(shopfront["consenting"], "999", on=sent_day + timedelta(days=30))  # too late
    make_order(shopfront["silent"], "500", on=sent_day + timedelta(days=2))  # not sent to
    report = campaign_report(campaign)
    assert report["sent"] == 2 and report["delivered"] == 1 and report["failed"] == 1
    assert report["not_sent"] == 1 and report["opted_out"] == 1
    assert (report["visitors"], report["orders"], report["amount"]) == (1, 2, 500)
    assert report["window"] == (sent_day, sent_day + timedelta(days=29))


def test_an_opt_out_while_waiting_for_approval_is_honoured(shopfront):
    _threshold(shopfront["org"], 0)
    campaign = _create(shopfront, shopfront["admin"])
    submit_campaign(campaign, actor=shopfront["admin"], now=DAYTIME)
    assert campaign.recipient_count == 2
    set_consent(
        shopfront["consenting"],
        actor=shopfront["admin"],
        channel="sms",
        granted=False,
        source="电话",
    )
    other_admin = make_staff(shopfront["org"], Role.ADMIN)
    approve_campaign(campaign, actor=other_admin, now=DAYTIME)
    assert campaign.recipient_count == 1 and campaign.suppressed == {"no_consent": 2}
    held = Message.objects.get(campaign=campaign, customer=shopfront["consenting"])
    assert held.status == "suppressed" and held.suppression_reason == "no_consent"
