"""Marketing consent per channel: what the customer said, when, and where it was recorded.
A withdrawal takes effect at once (call lists and messages check it)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.customers.models import Customer, MarketingConsent

SOURCE_MAX = 100


@transaction.atomic
def set_consent(
    customer: Customer, *, actor, channel: str, granted: bool, source: str, now=None
) -> MarketingConsent:
    """Record the customer's yes or no to marketing on `channel` (audited with before and
    after). `source` says where she said it: 到店签字, 电话, 导入文件, API …"""
    if actor is not None and actor.organization_id != customer.organization_id:
        raise PermissionDenied
    if channel not in MarketingConsent.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    now = now or timezone.now()
    existing = (
        MarketingConsent.objects.select_for_update()
        .filter(customer=customer, channel=channel)
        .first()
    )
    before = existing.granted if existing else None
    consent, _ = MarketingConsent.objects.update_or_create(
        customer=customer,
        channel=channel,
        defaults={"granted": granted, "recorded_at": now, "source": source.strip()[:SOURCE_MAX]},
    )
    record_event(
        customer.organization,
        actor=actor,
        action="consent.set",
        target=customer,
        channel=channel,
        before=before,
        after=granted,
        source=consent.source,
    )
    return consent
