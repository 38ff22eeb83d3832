"""Who may be sent what, and when: consent, blacklist, numbers, the contact cap shared
with calls, quiet hours. Checked when a message is queued and again when it is sent.

The contact cap is the outreach settings' one (OutreachSettings): a customer contacted
within `cool_off_days` is left alone, and one contacted `contact_cap` times since her
last purchase is contacted at most once per `capped_interval_days`. Calls (follow-ups)
and sent marketing messages both count as contacts."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from revisit.core.clock import org_zone
from revisit.customers.consents import marketable
from revisit.customers.models import Customer, MarketingConsent, PhoneStatus
from revisit.messaging.models import (
    Message,
    MessageChannel,
    MessagingSettings,
    Purpose,
    Suppression,
)
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import FollowUp
from revisit.sales.models import Order

CONSENT_CHANNEL = {
    MessageChannel.SMS: MarketingConsent.Channel.SMS,
    MessageChannel.WECHAT: MarketingConsent.Channel.WECHAT,
    MessageChannel.EMAIL: MarketingConsent.Channel.EMAIL,
}
BAD_PHONE = [PhoneStatus.DEAD, PhoneStatus.INVALID, PhoneStatus.REVIEW]


def messaging_settings(organization) -> MessagingSettings:
    found = MessagingSettings.objects.filter(organization=organization).first()
    if found is None:
        found, _ = MessagingSettings.objects.get_or_create(organization=organization)
    return found


def in_quiet_hours(settings: MessagingSettings, moment: datetime) -> bool:
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    local = timezone.localtime(moment, org_zone(settings.organization)).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(settings: MessagingSettings, moment: datetime) -> datetime:
    """The first moment at or after `moment` outside the quiet hours."""
    if not in_quiet_hours(settings, moment):
        return moment
    zone = org_zone(settings.organization)
    local = timezone.localtime(moment, zone)
    end = datetime.combine(local.date(), settings.quiet_end, tzinfo=zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), settings.quiet_end, tzinfo=zone)
    return end


def next_local_day(organization, moment: datetime, at: time) -> datetime:
    zone = org_zone(organization)
    local = timezone.localtime(moment, zone)
    return datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)


def _contacts(customers: QuerySet, since) -> QuerySet:
    return customers.filter(
        Q(Exists(FollowUp.objects.filter(customer=OuterRef("pk"), contacted_at__gte=since)))
        | Q(
            Exists(
                Message.objects.filter(
                    customer=OuterRef("pk"),
                    purpose=Purpose.MARKETING,
                    status=Message.Status.SENT,
                    sent_at__gte=since,
                )
            )
        )
    )


def capped_ids(customers: QuerySet, organization, now) -> set[int]:
    """The customers the shared contact cap holds back at `now`."""
    settings = outreach_settings(organization)
    held = set(
        _contacts(customers, now - timedelta(days=settings.cool_off_days)).values_list(
            "pk", flat=True
        )
    )
    window = _contacts(customers, now - timedelta(days=settings.capped_interval_days))
    candidates = list(window.exclude(pk__in=held).values_list("pk", flat=True)[:100_000])
    if not candidates:
        return held
    last_orders = dict(
        Order.objects.filter(customer_id__in=candidates)
        .values("customer_id")
        .annotate(last=Max("order_date"))
        .values_list("customer_id", "last")
    )
    zone = org_zone(organization)
    calls = (
        FollowUp.objects.filter(customer_id__in=candidates)
        .values_list("customer_id", "contacted_at")
        .iterator()
    )
    sent = (
        Message.objects.filter(
            customer_id__in=candidates, purpose=Purpose.MARKETING, status=Message.Status.SENT
        )
        .values_list("customer_id", "sent_at")
        .iterator()
    )
    counts: dict[int, int] = {}
    for source in (calls, sent):
        for customer_id, moment in source:
            last = last_orders.get(customer_id)
            if last is None or timezone.localtime(moment, zone).date() > last:
                counts[customer_id] = counts.get(customer_id, 0) + 1
    return held | {pk for pk, n in counts.items() if n >= settings.contact_cap}


def classify(
    customers: QuerySet, organization, *, channel: str, purpose: str, now=None
) -> dict[int, str]:
    """Each customer's reason not to be sent (a Suppression value), or "" to send.
    Quiet hours are the message's time, not the customer's: see in_quiet_hours."""
    now = now or timezone.now()
    customers = customers.filter(organization=organization)
    reasons = dict.fromkeys(customers.values_list("pk", flat=True), "")
    if not reasons:
        return reasons

    def mark(queryset, reason):
        for pk in queryset.values_list("pk", flat=True):
            if reasons.get(pk) == "":
                reasons[pk] = reason

    marketing = purpose == Purpose.MARKETING
    if marketing:
        mark(customers.filter(Q(is_blacklisted=True) | Q(is_dispute=True)), Suppression.BLACKLISTED)
    if channel == MessageChannel.SMS:
        mark(customers.filter(Q(mobile="") | Q(phone_status__in=BAD_PHONE)), Suppression.BAD_NUMBER)
    elif channel == MessageChannel.WECHAT:
        mark(customers.filter(wechat_openid=""), Suppression.NO_ADDRESS)
    elif channel == MessageChannel.EMAIL:
        mark(customers.filter(email=""), Suppression.NO_ADDRESS)
    elif channel == MessageChannel.LETTER:
        mark(customers.filter(address=""), Suppression.NO_ADDRESS)
    if marketing and channel in CONSENT_CHANNEL:
        allowed = marketable(customers, organization, CONSENT_CHANNEL[channel])
        mark(customers.exclude(pk__in=allowed.values("pk")), Suppression.NO_CONSENT)
    if marketing:
        pending = Customer.objects.filter(pk__in=[pk for pk, r in reasons.items() if r == ""])
        for pk in capped_ids(pending, organization, now):
            reasons[pk] = Suppression.CAP
    return reasons


def suppression_counts(messages: QuerySet) -> list[tuple[str, str, int]]:
    """(code, label, count) of the not-sent messages by reason, most first."""
    rows = (
        messages.filter(status=Message.Status.SUPPRESSED)
        .values("suppression_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    labels = dict(Suppression.choices)
    return [
        (r["suppression_reason"], labels.get(r["suppression_reason"], "—"), r["n"]) for r in rows
    ]
