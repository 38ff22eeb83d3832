"""Referred friends invited last month who did not come are invited again with the next
campaign for the item they need, item by item (the seed: 针对上月邀约未到院的一级客户，次月
结合会销分产品进行邀约), not with any campaign that happens to start."""

import re
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Organization
from revisit.outreach.campaigns import REINVITE_REASON, campaigns_on
from revisit.outreach.models import Campaign, ScheduledContact
from revisit.referrals.models import Lead
from revisit.sales.models import Item

ITEM_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def needed_items(text: str) -> list[str]:
    return [part for part in ITEM_SEPARATORS.split(text or "") if part]


def _previous_month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1), first


def lead_reinvitees(campaign: Campaign) -> list[Lead]:
    """The leads of the month before the campaign starts (expected then, or registered
    then without an expected day) who have not come, have a card to call, and need an
    item the campaign is for: one of its categories, or an item of those categories."""
    if not campaign.categories:
        return []
    org = campaign.organization
    since, until = _previous_month(campaign.starts_on)
    start, end = day_bounds(org, since)[0], day_bounds(org, until)[0]
    categories = set(campaign.categories)
    names = set(
        Item.objects.filter(organization=org, category__in=categories).values_list(
            "name", flat=True
        )
    )
    leads = Lead.objects.filter(
        organization=org,
        arrived_at__isnull=True,
        customer__isnull=False,
        customer__first_visit__isnull=True,
        customer__is_blacklisted=False,
    ).filter(
        Q(expected_arrival__gte=since, expected_arrival__lt=until)
        | Q(expected_arrival__isnull=True, registered_at__gte=start, registered_at__lt=end)
    )
    return [
        lead
        for lead in leads.order_by("pk")
        if any(
            item in categories or item in names or any(c in item for c in categories)
            for item in needed_items(lead.items)
        )
    ]


def reinvite_leads(campaign: Campaign, *, now=None) -> int:
    """Schedule a campaign contact (on its first day, or today when later) for each of
    `campaign`'s lead re-invitees who has none pending from it yet. Run twice, or after
    the campaign's own re-invitations, schedules nobody twice. Returns how many."""
    now = now or timezone.now()
    org = campaign.organization
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        due_on = max(campaign.starts_on, local_date(org, now))
        ids = {lead.customer_id for lead in lead_reinvitees(campaign)}
        already = set(
            ScheduledContact.objects.filter(
                customer_id__in=ids, reason=REINVITE_REASON, due_on__gte=campaign.starts_on
            ).values_list("customer_id", flat=True)
        )
        new = sorted(ids - already)
        ScheduledContact.objects.bulk_create(
            [
                ScheduledContact(
                    organization=org,
                    customer_id=pk,
                    due_on=due_on,
                    reason=REINVITE_REASON,
                    anchor_on=campaign.starts_on,
                )
                for pk in new
            ]
        )
        if new:
            record_event(
                org,
                actor=None,
                action="referral.reinvite",
                target=campaign,
                scheduled=len(new),
            )
    return len(new)


def reinvite_leads_started(organization: Organization, *, now=None) -> int:
    """The daily tick: every running campaign re-invites its leads (once each)."""
    now = now or timezone.now()
    today = local_date(organization, now)
    return sum(reinvite_leads(c, now=now) for c in campaigns_on(organization, today))
