"""Marketing consent per channel: what the customer said, when, and where it was recorded.
A withdrawal takes effect at once (call lists and messages check it)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.customers.models import Customer, MarketingConsent
from revisit.outreach.models import OutreachSettings

SOURCE_MAX = 100
# Where a consent came from, as stored (shown as is on the customer page and in exports).
SOURCE_CALL = "电话回访"
SOURCE_API = "API"
SOURCE_IMPORT = "导入文件 {file}"
# Messages need a recorded yes; calls may rest on the existing relationship (a setting).
REQUIRE_GRANTED = {
    MarketingConsent.Channel.SMS,
    MarketingConsent.Channel.WECHAT,
    MarketingConsent.Channel.EMAIL,
}


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


def requires_granted(organization, channel: str) -> bool:
    """Whether marketing on `channel` needs a recorded yes (else: only no recorded no)."""
    if channel in REQUIRE_GRANTED:
        return True
    setting = (
        OutreachSettings.objects.filter(organization=organization)
        .values_list("call_without_consent", flat=True)
        .first()
    )
    return setting is False


def marketable(customers: QuerySet, organization, channel: str) -> QuerySet:
    """`customers` who may be approached for marketing on `channel`: never after a recorded
    no; with a recorded yes where the channel (or the organization's setting) needs one."""
    consents = MarketingConsent.objects.filter(customer=OuterRef("pk"), channel=channel)
    if requires_granted(organization, channel):
        return customers.filter(Exists(consents.filter(granted=True)))
    return customers.exclude(Exists(consents.filter(granted=False)))


def may_market(customer: Customer, channel: str) -> bool:
    """Whether `customer` may receive marketing on `channel` (what an outbox checks before
    sending): SMS, WeChat and email need her recorded yes; a call needs no recorded no, and
    a recorded yes when the organization does not call without a consent record."""
    if channel not in MarketingConsent.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    granted = (
        MarketingConsent.objects.filter(customer=customer, channel=channel)
        .values_list("granted", flat=True)
        .first()
    )
    if granted is not None:
        return granted
    return not requires_granted(customer.organization, channel)
