"""Message campaigns (群发): a one-off message to a filtered audience.

The flow: create (a draft with its audience and template) → preview the count after the
rules (no consent, quiet hours, contact cap, dead numbers …) → optionally a test send to
oneself → submit: at most `campaign_approval_threshold` recipients are queued at once,
more wait for a store manager or an administrator other than the author → approve
(queued) or reject. Every step is one service, one transaction, one audit event.

The audience is always read in the author's scope (visible_customers of the creator),
so an approval by an administrator never widens a store manager's send."""

import uuid
from datetime import date, timedelta
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.access import visible_customers
from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Role, Staff, Store
from revisit.customers.models import Channel, MarketingConsent, Tier
from revisit.customers.phones import mask_phone, normalize_phone
from revisit.messaging import rendering
from revisit.messaging.backends import ProviderError, backend_for
from revisit.messaging.campaign_models import NAME_MAX, MessageCampaign
from revisit.messaging.models import SENDABLE_CHANNELS, Message, MessageChannel, MessageTemplate
from revisit.messaging.rules import CONSENT_CHANNEL, messaging_settings
from revisit.messaging.services import (
    BATCH_MAX,
    Batch,
    MessagingError,
    body_for,
    queue_many,
)

REPORT_DAYS = 30  # visits and orders counted for this many days from the send
FILTER_KEYS = (
    "segment",
    "tier",
    "tag",
    "store",
    "owner",
    "channel",
    "visited_after",
    "visited_before",
    "membership",
)
CREATE_ROLES = (Role.ADMIN, Role.STORE_MANAGER)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


# --- the audience -------------------------------------------------------------------


def _day(raw, label) -> str:
    if raw in (None, ""):
        return ""
    if isinstance(raw, date):
        value = raw
    else:
        text = str(raw).strip()[:20]
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise MessagingError(
                _("%(field)s is not a date (YYYY-MM-DD): %(value)s")
                % {"field": label, "value": text}
            ) from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise MessagingError(_("%(field)s is out of range.") % {"field": label})
    return value.isoformat()


def _id(raw, label) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip()[:12])
    except ValueError:
        raise MessagingError(_("%(field)s is not valid.") % {"field": label}) from None
    if not 1 <= value <= 2**31 - 1:
        raise MessagingError(_("%(field)s is not valid.") % {"field": label})
    return value


def _choice(raw, choices, label) -> str:
    value = str(raw or "").strip()[:20]
    if value and value not in choices:
        raise MessagingError(_("%(field)s is not valid.") % {"field": label})
    return value


def clean_filters(organization, raw: dict) -> dict:
    """The audience filter from form, API or command-line values: checked, normalized,
    ready to store. Unknown keys are ignored; a bad value raises MessagingError."""
    from revisit.grading.models import Segment

    raw = raw or {}
    filters = {
        "segment": _choice(raw.get("segment"), Segment.values, _("Segment")),
        "tier": _choice(raw.get("tier"), Tier.values, _("Tier")),
        "channel": _choice(raw.get("channel"), Channel.values, _("Channel")),
        "membership": _choice(
            raw.get("membership"), MessageCampaign.Membership.values, _("Members")
        ),
        "tag": _id(raw.get("tag"), _("Tag")),
        "store": _id(raw.get("store"), _("Store")),
        "owner": _id(raw.get("owner"), _("Owner")),
        "visited_after": _day(raw.get("visited_after"), _("Last visit from")),
        "visited_before": _day(raw.get("visited_before"), _("Last visit until")),
    }
    if filters["tag"] and not organization.tags.filter(pk=filters["tag"]).exists():
        raise MessagingError(_("%(field)s is not valid.") % {"field": _("Tag")})
    if filters["store"] and not organization.stores.filter(pk=filters["store"]).exists():
        raise MessagingError(_("%(field)s is not valid.") % {"field": _("Store")})
    if (
        filters["owner"]
        and not Staff.objects.filter(organization=organization, pk=filters["owner"]).exists()
    ):
        raise MessagingError(_("%(field)s is not valid.") % {"field": _("Owner")})
    after, before = filters["visited_after"], filters["visited_before"]
    if after and before and after > before:
        raise MessagingError(_("The first date is after the second."))
    return {k: v for k, v in filters.items() if v not in ("", None)}


def filter_customers(customers: QuerySet, organization, filters: dict) -> QuerySet:
    """`customers` narrowed by a cleaned audience filter."""
    from revisit.grading.models import Grade
    from revisit.grading.reads import current_inventory

    if filters.get("segment"):
        inventory = current_inventory(organization.pk)
        if inventory is None:
            return customers.none()
        graded = Grade.objects.filter(
            inventory=inventory, segment=filters["segment"], customer_id=OuterRef("pk")
        )
        customers = customers.filter(Exists(graded))
    if filters.get("tier"):
        customers = customers.filter(tier=filters["tier"])
    if filters.get("channel"):
        customers = customers.filter(channel=filters["channel"])
    if filters.get("tag"):
        customers = customers.filter(tags__id=filters["tag"])
    if filters.get("store"):
        customers = customers.filter(home_store_id=filters["store"])
    if filters.get("owner"):
        customers = customers.filter(owner_id=filters["owner"])
    if filters.get("visited_after"):
        customers = customers.filter(last_visit__gte=filters["visited_after"])
    if filters.get("visited_before"):
        customers = customers.filter(last_visit__lte=filters["visited_before"])
    membership = filters.get("membership")
    if membership == MessageCampaign.Membership.MEMBER:
        customers = customers.exclude(tier="")
    elif membership == MessageCampaign.Membership.NON_MEMBER:
        customers = customers.filter(tier="")
    return customers.distinct() if filters.get("tag") else customers


def audience(campaign: MessageCampaign) -> QuerySet:
    """The campaign's customers: its filter inside its author's scope."""
    scope = visible_customers(campaign.created_by)
    return filter_customers(scope, campaign.organization, campaign.filters or {})


# --- who may do what -----------------------------------------------------------------


def _managed_stores(staff) -> set[int]:
    return {a.store_id for a in staff.role_assignments.all() if a.role == Role.STORE_MANAGER}


def _require_creator_role(actor, organization_id):
    if actor is None or actor.organization_id != organization_id:
        raise PermissionDenied
    if not actor.has_role(*CREATE_ROLES):
        raise PermissionDenied


def may_approve(staff, campaign: MessageCampaign) -> bool:
    """An administrator, or a manager of the campaign's store, who is not its author."""
    if staff is None or staff.organization_id != campaign.organization_id:
        return False
    if staff.pk == campaign.created_by_id:
        return False
    if staff.has_role(Role.ADMIN):
        return True
    return campaign.store_id is not None and campaign.store_id in _managed_stores(staff)


def visible_campaigns(staff) -> QuerySet[MessageCampaign]:
    """The campaigns `staff` may read: all of the organization for its admin, a store's
    for its manager (and her own), a region's stores' for its supervisor."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return MessageCampaign.objects.none()
    rows = MessageCampaign.objects.filter(organization_id=staff.organization_id)
    assignments = list(staff.role_assignments.all())
    if any(a.role == Role.ADMIN for a in assignments):
        return rows
    stores = [a.store_id for a in assignments if a.role == Role.STORE_MANAGER]
    regions = [a.region_id for a in assignments if a.role == Role.REGION_SUPERVISOR]
    if not stores and not regions:
        return MessageCampaign.objects.none()
    return rows.filter(
        Q(store_id__in=stores) | Q(store__region_id__in=regions) | Q(created_by_id=staff.pk)
    )


def campaigns_to_approve(staff) -> list[MessageCampaign]:
    """The waiting campaigns `staff` may approve (for her home page)."""
    if not staff.is_authenticated or not staff.has_role(*CREATE_ROLES):
        return []
    waiting = visible_campaigns(staff).filter(status=MessageCampaign.Status.PENDING)
    return [c for c in waiting.order_by("submitted_at")[:20] if may_approve(staff, c)]


def get_campaign_or_404(staff, **lookup) -> MessageCampaign:
    """One campaign `staff` may read; missing and forbidden both raise Http404."""
    try:
        return (
            visible_campaigns(staff)
            .select_related("template", "store", "created_by", "organization")
            .get(**lookup)
        )
    except (MessageCampaign.DoesNotExist, MessageCampaign.MultipleObjectsReturned, ValueError):
        raise Http404 from None


# --- services ------------------------------------------------------------------------


def _check_template(template: MessageTemplate, organization_id: int):
    if template.organization_id != organization_id:
        raise PermissionDenied
    if template.channel not in SENDABLE_CHANNELS:
        raise MessagingError(_("A phone script is read out on a call, not sent."))
    if not template.is_active:
        raise MessagingError(_("This template is not in use."))


def _campaign_store(actor, filters) -> Store | None:
    """The store a campaign belongs to: the filtered store, else the author's store when
    she manages exactly one; None for an organization-wide send (its admin approves)."""
    managed = _managed_stores(actor)
    if filters.get("store"):
        return Store.objects.get(pk=filters["store"])
    if len(managed) == 1 and not actor.has_role(Role.ADMIN):
        return Store.objects.get(pk=next(iter(managed)))
    return None


def create_campaign(
    organization,
    *,
    actor,
    name: str,
    template: MessageTemplate,
    filters: dict | None = None,
    date_value: str = "",
    now=None,
) -> MessageCampaign:
    """A draft campaign with its audience counted (audited). Raises MessagingError."""
    _require_creator_role(actor, organization.pk)
    _check_template(template, organization.pk)
    name = (name or "").strip()
    if not name:
        raise MessagingError(_("Give the send a name."))
    if len(name) > NAME_MAX:
        raise MessagingError(_("The name is longer than %(max)s characters.") % {"max": NAME_MAX})
    date_value = (date_value or "").strip()
    if len(date_value) > 20:
        raise MessagingError(_("The value of {date} is longer than 20 characters."))
    filters = clean_filters(organization, filters or {})
    with transaction.atomic():
        campaign = MessageCampaign.objects.create(
            organization=organization,
            store=_campaign_store(actor, filters),
            name=name,
            template=template,
            filters=filters,
            date_value=date_value,
            created_by=actor,
        )
        batch = preview_campaign(campaign, now=now)
        _keep_counts(campaign, batch)
        record_event(
            organization,
            actor=actor,
            action="message_campaign.create",
            target=campaign,
            name=name,
            template=template.name,
            filters=filters,
            recipients=batch.queued,
        )
    return campaign


def _keep_counts(campaign, batch: Batch):
    campaign.audience_count = batch.total
    campaign.recipient_count = batch.queued
    campaign.suppressed = dict(batch.suppressed)
    MessageCampaign.objects.filter(pk=campaign.pk).update(
        audience_count=batch.total,
        recipient_count=batch.queued,
        suppressed=campaign.suppressed,
    )


def _context(campaign):
    return {"date": campaign.date_value} if campaign.date_value else None


def preview_campaign(campaign: MessageCampaign, *, now=None) -> Batch:
    """What sending now would do: matched, to be sent, held back by reason (no writes)."""
    return queue_many(
        audience(campaign),
        template=campaign.template,
        actor=campaign.created_by,
        context=_context(campaign),
        now=now,
        dry_run=True,
    )


def needs_approval(campaign: MessageCampaign, recipients: int) -> bool:
    return recipients > messaging_settings(campaign.organization).campaign_approval_threshold


def _queue(campaign: MessageCampaign, *, actor, now) -> Batch:
    batch = queue_many(
        audience(campaign),
        template=campaign.template,
        actor=actor,
        context=_context(campaign),
        now=now,
        campaign=campaign,
    )
    _keep_counts(campaign, batch)
    now = now or timezone.now()
    MessageCampaign.objects.filter(pk=campaign.pk).update(
        status=MessageCampaign.Status.QUEUED, queued_at=now
    )
    campaign.status, campaign.queued_at = MessageCampaign.Status.QUEUED, now
    return batch


def _locked(campaign, *states) -> MessageCampaign:
    """The campaign's row, locked, in one of `states` (else MessagingError)."""
    current = MessageCampaign.objects.select_for_update().get(pk=campaign.pk)
    if current.status not in states:
        raise MessagingError(
            _("This send is %(status)s; it cannot be changed so.")
            % {"status": current.get_status_display()}
        )
    campaign.status = current.status
    return current


def submit_campaign(campaign: MessageCampaign, *, actor, now=None) -> MessageCampaign:
    """Send a draft: queued at once up to the approval threshold, otherwise it waits for
    approval (audited)."""
    _require_creator_role(actor, campaign.organization_id)
    if actor.pk != campaign.created_by_id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    now = now or timezone.now()
    _check_template(campaign.template, campaign.organization_id)
    with transaction.atomic():
        _locked(campaign, MessageCampaign.Status.DRAFT)
        batch = preview_campaign(campaign, now=now)
        if batch.total > BATCH_MAX:
            raise MessagingError(
                _("At most %(max)s customers at once; narrow the filter.") % {"max": BATCH_MAX}
            )
        _keep_counts(campaign, batch)
        MessageCampaign.objects.filter(pk=campaign.pk).update(submitted_at=now)
        campaign.submitted_at = now
        if needs_approval(campaign, batch.queued):
            MessageCampaign.objects.filter(pk=campaign.pk).update(
                status=MessageCampaign.Status.PENDING
            )
            campaign.status = MessageCampaign.Status.PENDING
        else:
            _queue(campaign, actor=actor, now=now)
        record_event(
            campaign.organization,
            actor=actor,
            action="message_campaign.submit",
            target=campaign,
            recipients=campaign.recipient_count,
            status=campaign.status,
        )
    return campaign


def approve_campaign(
    campaign: MessageCampaign, *, actor, note: str = "", now=None
) -> MessageCampaign:
    """Approve a waiting campaign and queue it (audited). Only an administrator or a
    manager of its store, never its author."""
    if not may_approve(actor, campaign):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        _locked(campaign, MessageCampaign.Status.PENDING)
        MessageCampaign.objects.filter(pk=campaign.pk).update(
            decided_by=actor, decided_at=now, decision_note=(note or "")[:200]
        )
        campaign.decided_by, campaign.decided_at = actor, now
        campaign.decision_note = (note or "")[:200]
        batch = _queue(campaign, actor=actor, now=now)
        record_event(
            campaign.organization,
            actor=actor,
            action="message_campaign.approve",
            target=campaign,
            queued=batch.queued,
            suppressed=batch.suppressed,
        )
    return campaign


def reject_campaign(
    campaign: MessageCampaign, *, actor, note: str = "", now=None
) -> MessageCampaign:
    """Turn down a waiting campaign; nothing is sent (audited)."""
    if not may_approve(actor, campaign):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        _locked(campaign, MessageCampaign.Status.PENDING)
        note = (note or "")[:200]
        MessageCampaign.objects.filter(pk=campaign.pk).update(
            status=MessageCampaign.Status.REJECTED,
            decided_by=actor,
            decided_at=now,
            decision_note=note,
        )
        campaign.status = MessageCampaign.Status.REJECTED
        campaign.decided_by, campaign.decided_at, campaign.decision_note = actor, now, note
        record_event(
            campaign.organization, actor=actor, action="message_campaign.reject", target=campaign
        )
    return campaign


def cancel_campaign(campaign: MessageCampaign, *, actor) -> MessageCampaign:
    """Withdraw a draft or a waiting campaign (its author or an administrator; audited)."""
    _require_creator_role(actor, campaign.organization_id)
    if actor.pk != campaign.created_by_id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    with transaction.atomic():
        _locked(campaign, MessageCampaign.Status.DRAFT, MessageCampaign.Status.PENDING)
        MessageCampaign.objects.filter(pk=campaign.pk).update(
            status=MessageCampaign.Status.CANCELLED
        )
        campaign.status = MessageCampaign.Status.CANCELLED
        record_event(
            campaign.organization, actor=actor, action="message_campaign.cancel", target=campaign
        )
    return campaign


def test_address(channel: str, raw: str, *, actor) -> str:
    """Where a test send goes: the author's own email for an email, a mobile number she
    gives for an SMS or WeChat message. Raises MessagingError."""
    raw = (raw or "").strip()[:60]
    if channel == MessageChannel.EMAIL:
        address = raw or (actor.email or "")
        try:
            validate_email(address)
        except ValidationError:
            raise MessagingError(_("Give your own email address.")) from None
        return address
    if channel == MessageChannel.LETTER:
        raise MessagingError(_("A letter is printed, not sent to oneself; see the preview."))
    try:
        return normalize_phone(raw)
    except ValueError:
        raise MessagingError(_("Give your own mobile number.")) from None


def test_send(campaign: MessageCampaign, *, actor, to: str = "", now=None) -> str:
    """Send the campaign's text, with sample values, once to the author herself, at once
    and outside the outbox (it is nobody's marketing). Returns where it went (masked).
    Raises MessagingError (also for a provider's refusal)."""
    _require_creator_role(actor, campaign.organization_id)
    template = campaign.template
    _check_template(template, campaign.organization_id)
    address = test_address(template.channel, to, actor=actor)
    settings = messaging_settings(campaign.organization)
    values = {**rendering.SAMPLE, "organization": campaign.organization.name}
    if settings.hotline:
        values["hotline"] = settings.hotline
    if campaign.date_value:
        values["date"] = campaign.date_value
    try:
        text = rendering.substitute(body_for(template, True), values)
        subject = rendering.substitute(template.subject, values) if template.subject else ""
    except rendering.TemplateError as error:
        raise MessagingError(str(error)) from None
    if template.channel == MessageChannel.SMS:
        text = rendering.sms_text(
            text,
            signature=settings.signature or campaign.organization.name,
            opt_out_line=settings.opt_out_line,
            marketing=template.purpose == "marketing",
        )
    text = _("[Test] ") + text
    now = now or timezone.now()
    probe = SimpleNamespace(
        pk=f"test-{campaign.pk}",
        channel=template.channel,
        organization=campaign.organization,
        customer=None,
        claimed_at=now,
        get_channel_display=lambda: str(MessageChannel(template.channel).label),
    )
    try:
        backend_for(template.channel).send(
            probe, to=address, text=text, subject=subject, key=uuid.uuid4()
        )
    except ProviderError as error:
        raise MessagingError(
            _("The provider refused the test: %(error)s") % {"error": error}
        ) from None
    shown = mask_phone(address) if "@" not in address else address
    with transaction.atomic():
        MessageCampaign.objects.filter(pk=campaign.pk).update(
            test_sent_at=now, test_sent_to=shown[:60]
        )
        campaign.test_sent_at, campaign.test_sent_to = now, shown[:60]
        record_event(
            campaign.organization,
            actor=actor,
            action="message_campaign.test",
            target=campaign,
            to=shown,
        )
    return shown


# --- the report ----------------------------------------------------------------------


def campaign_report(campaign: MessageCampaign, *, today: date | None = None) -> dict:
    """What the send did: messages by status, delivered, failed, opted out since, and the
    recipients' orders within REPORT_DAYS days from the send (from the sales orders)."""
    from revisit.sales.models import Order

    messages = Message.objects.filter(campaign=campaign)
    by_status = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
    sent = messages.filter(status=Message.Status.SENT)
    report = {
        "messages": sum(by_status.values()),
        "queued": by_status.get(Message.Status.QUEUED, 0)
        + by_status.get(Message.Status.SENDING, 0),
        "sent": by_status.get(Message.Status.SENT, 0),
        "delivered": sent.filter(delivered_at__isnull=False).count(),
        "failed": by_status.get(Message.Status.FAILED, 0)
        + sent.exclude(delivery_error="").filter(delivered_at__isnull=True).count(),
        "not_sent": by_status.get(Message.Status.SUPPRESSED, 0),
        "suppressed": list(
            messages.filter(status=Message.Status.SUPPRESSED)
            .values_list("suppression_reason")
            .annotate(n=Count("pk"))
            .order_by("-n")
        ),
        "opted_out": 0,
        "visitors": 0,
        "orders": 0,
        "amount": 0,
        "window": None,
    }
    channel = CONSENT_CHANNEL.get(campaign.template.channel)
    if campaign.queued_at and channel:
        report["opted_out"] = MarketingConsent.objects.filter(
            customer__in=messages.values("customer_id"),
            channel=channel,
            granted=False,
            recorded_at__gte=campaign.queued_at,
        ).count()
    if campaign.queued_at:
        start = local_date(campaign.organization, campaign.queued_at)
        end = start + timedelta(days=REPORT_DAYS - 1)
        report["window"] = (start, end)
        orders = Order.objects.filter(
            organization=campaign.organization,
            customer_id__in=sent.values("customer_id"),
            order_date__gte=start,
            order_date__lte=end,
        )
        totals = orders.aggregate(orders=Count("pk"), visitors=Count("customer_id", distinct=True))
        report["orders"], report["visitors"] = totals["orders"], totals["visitors"]
        report["amount"] = _order_amount(orders)
    return report


def _order_amount(orders):
    from revisit.sales.models import OrderLine

    total = OrderLine.objects.filter(order__in=orders.values("pk")).aggregate(s=Sum("amount"))
    return total["s"] or 0
