"""Messaging services: templates, settings, and queueing messages into the outbox.
Each is one transaction with one audit event; the worker's side is in outbox.py."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.changes import save_changes
from revisit.customers.models import Customer
from revisit.messaging import rendering
from revisit.messaging.models import (
    SENDABLE_CHANNELS,
    Audience,
    Message,
    MessageChannel,
    MessageTemplate,
    MessagingSettings,
    Purpose,
    Suppression,
    new_webhook_secret,
)
from revisit.messaging.rules import classify, in_quiet_hours, messaging_settings, quiet_hours_end

TEMPLATE_FIELDS = [
    "name",
    "channel",
    "purpose",
    "language",
    "audience",
    "subject",
    "body",
    "body_non_member",
    "is_active",
]
SETTINGS_FIELDS = [
    "signature",
    "hotline",
    "opt_out_line",
    "quiet_start",
    "quiet_end",
    "quiet_action",
    "daily_cap",
    "campaign_approval_threshold",
]


class MessagingError(ValueError):
    """A message that cannot be queued; the text says why, in the user's language."""


def _require_admin(actor, organization_id):
    from revisit.core.models import Role

    if actor is None or actor.organization_id != organization_id:
        raise PermissionDenied
    if not actor.role_assignments.filter(role=Role.ADMIN).exists():
        raise PermissionDenied


def check_template(values: dict) -> None:
    """Raise TemplateError unless every text of the template parses."""
    for name in ("subject", "body", "body_non_member"):
        if values.get(name):
            rendering.parse(values[name])


def create_template(organization, values: dict, *, actor) -> MessageTemplate:
    """Add a message template (placeholders checked; audited)."""
    _require_admin(actor, organization.pk)
    check_template(values)
    with transaction.atomic():
        template = MessageTemplate.objects.create(organization=organization, **values)
        record_event(organization, actor=actor, action="message_template.create", target=template)
    return template


def update_template(template: MessageTemplate, changes: dict, *, actor) -> dict:
    """Change a template (placeholders checked; audited with before and after)."""
    _require_admin(actor, template.organization_id)
    check_template(changes)
    return save_changes(template, changes, actor=actor, action="message_template.edit")


def delete_template(template: MessageTemplate, *, actor) -> None:
    """Delete a template; messages already queued keep their text."""
    _require_admin(actor, template.organization_id)
    with transaction.atomic():
        record_event(
            template.organization,
            actor=actor,
            action="message_template.delete",
            target=template,
            name=template.name,
        )
        template.delete()


def update_messaging_settings(organization, changes: dict, *, actor) -> dict:
    """Change the organization's messaging settings (audited)."""
    _require_admin(actor, organization.pk)
    current = messaging_settings(organization)
    return save_changes(current, changes, actor=actor, action="messaging_settings.edit")


def rotate_webhook_secret(organization, *, actor) -> str:
    """A new webhook secret; the old one stops working at once (audited, not logged)."""
    _require_admin(actor, organization.pk)
    with transaction.atomic():
        secret = new_webhook_secret()
        current = messaging_settings(organization)
        MessagingSettings.objects.filter(pk=current.pk).update(webhook_secret=secret)
        record_event(organization, actor=actor, action="messaging_settings.secret")
    return secret


def is_member(customer: Customer) -> bool:
    """Whether the member text applies: a formal member of the points program (the
    wallet's membership card); in an organization that issues no cards, a customer
    with a tier."""
    from revisit.wallet.points_models import MembershipCard, MembershipStatus

    status = (
        MembershipCard.objects.filter(customer_id=customer.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status is not None:
        return status == MembershipStatus.FORMAL
    if MembershipCard.objects.filter(organization_id=customer.organization_id).exists():
        return False
    return bool(customer.tier)


def body_for(template: MessageTemplate, member: bool) -> str:
    if not member and template.body_non_member:
        return template.body_non_member
    return template.body


def render_message(
    template: MessageTemplate, customer: Customer, *, context: dict | None = None, settings=None
) -> tuple[str, str]:
    """(subject, text) of `template` for `customer`: placeholders filled, and for an SMS
    the 【signature】 and, on marketing, the opt-out line. Raises TemplateError."""
    settings = settings or messaging_settings(template.organization)
    values = rendering.customer_values(customer, settings=settings)
    for key, value in (context or {}).items():
        if key in rendering.FROM_CONTEXT and value not in (None, ""):
            values[key] = rendering.format_context(value)
    text = rendering.substitute(body_for(template, is_member(customer)), values)
    subject = rendering.substitute(template.subject, values) if template.subject else ""
    if template.channel == MessageChannel.SMS:
        text = rendering.sms_text(
            text,
            signature=settings.signature or template.organization.name,
            opt_out_line=settings.opt_out_line,
            marketing=template.purpose == Purpose.MARKETING,
        )
    return subject, text


def preview(organization, *, channel, purpose, body, subject="", member=True) -> dict:
    """The sample rendering of an unsaved template text, its length and SMS count
    (for the template form's live preview). Raises TemplateError."""
    settings = messaging_settings(organization)
    values = {**rendering.SAMPLE, "organization": organization.name}
    if settings.hotline:
        values["hotline"] = settings.hotline
    text = rendering.substitute(body, values)
    if channel == MessageChannel.SMS:
        text = rendering.sms_text(
            text,
            signature=settings.signature or organization.name,
            opt_out_line=settings.opt_out_line,
            marketing=purpose == Purpose.MARKETING,
        )
    return {
        "text": text,
        "subject": rendering.substitute(subject, values) if subject else "",
        "length": len(text),
        "segments": rendering.sms_segments(text) if channel == MessageChannel.SMS else None,
    }


def _recipient(customer: Customer, channel: str, to: str = "") -> str:
    if to:
        return to
    if channel == MessageChannel.SMS:
        return customer.mobile
    if channel == MessageChannel.WECHAT:
        return customer.wechat_openid
    if channel == MessageChannel.LETTER:
        return customer.address
    return customer.email


def _check_template_for_queue(template: MessageTemplate, organization_id: int):
    if template.organization_id != organization_id:
        raise PermissionDenied
    if template.channel not in SENDABLE_CHANNELS:
        raise MessagingError(_("A phone script is read out on a call, not sent."))
    if not template.is_active:
        raise MessagingError(_("This template is not in use."))


def _due(settings, purpose, due, now) -> tuple[datetime, bool, str]:
    """(due, postponed, suppression) for a message asked for at `due`."""
    due = due or now
    if purpose == Purpose.MARKETING and in_quiet_hours(settings, max(due, now)):
        if settings.quiet_action == MessagingSettings.QuietAction.SUPPRESS:
            return due, False, Suppression.QUIET_HOURS
        return quiet_hours_end(settings, max(due, now)), True, ""
    return due, False, ""


def _audience_fits(template: MessageTemplate, customer: Customer) -> bool:
    if template.audience == Audience.MEMBER:
        return is_member(customer)
    if template.audience == Audience.NON_MEMBER:
        return not is_member(customer)
    return True


def queue_message(
    customer: Customer,
    *,
    template: MessageTemplate,
    actor,
    channel: str | None = None,
    due: datetime | None = None,
    context: dict | None = None,
    to: str = "",
    now=None,
) -> Message:
    """Put one message to `customer` into the outbox, due at `due` (default now). The
    rules are checked now and again when it is sent: a message the rules hold back is
    kept as 'not sent' with its reason (so it is counted); a marketing message due in the
    quiet hours waits for them to end (or is not sent, as the settings say). Raises
    MessagingError or TemplateError when the message cannot be made at all."""
    now = now or timezone.now()
    organization = customer.organization
    if actor is not None and actor.organization_id != organization.pk:
        raise PermissionDenied
    _check_template_for_queue(template, organization.pk)
    channel = channel or template.channel
    settings = messaging_settings(organization)
    subject, text = render_message(template, customer, context=context, settings=settings)
    due_at, postponed, reason = _due(settings, template.purpose, due, now)
    if not reason and not _audience_fits(template, customer):
        reason = Suppression.AUDIENCE
    recipient = _recipient(customer, channel, to)
    if not reason and not recipient:
        reason = Suppression.NO_ADDRESS
    if not reason:
        reason = classify(
            Customer.objects.filter(pk=customer.pk),
            organization,
            channel=channel,
            purpose=template.purpose,
            now=now,
        ).get(customer.pk, "")
    with transaction.atomic():
        message = Message.objects.create(
            organization=organization,
            customer=customer,
            channel=channel,
            purpose=template.purpose,
            template=template,
            subject=subject,
            text=text,
            recipient=recipient,
            due_at=due_at,
            postponed=postponed,
            status=Message.Status.SUPPRESSED if reason else Message.Status.QUEUED,
            suppression_reason=reason,
            created_by=actor,
        )
        record_event(
            organization,
            actor=actor,
            action="message.queue",
            target=customer,
            message=message.pk,
            template=template.name,
            status=message.get_status_display(),
            suppression=reason,
        )
    return message


@dataclass
class Batch:
    """What a send to many would do (a preview) or did (after queueing)."""

    total: int = 0
    queued: int = 0
    postponed: int = 0
    suppressed: dict = field(default_factory=dict)  # reason → count
    unrenderable: int = 0
    error: str = ""

    def suppressed_rows(self):
        labels = dict(Suppression.choices)
        return [(labels[r], n) for r, n in sorted(self.suppressed.items(), key=lambda x: -x[1])]


BATCH_MAX = 50_000


def in_segments(customers, organization, segments):
    """`customers` whose grade in the current inventory is one of `segments` (A1…B4)."""
    from revisit.grading.models import Grade
    from revisit.grading.reads import current_inventory

    inventory = current_inventory(organization)
    if inventory is None:
        return customers.none()
    graded = Grade.objects.filter(inventory=inventory, segment__in=list(segments))
    return customers.filter(pk__in=graded.values("customer_id"))


def queue_many(
    customers,
    *,
    template: MessageTemplate,
    actor,
    due: datetime | None = None,
    context: dict | None = None,
    now=None,
    dry_run: bool = False,
    campaign=None,
) -> Batch:
    """Queue `template` to each of `customers` (a query set of one organization), or with
    dry_run only count what would happen: how many go out and how many are held back by
    which rule. One audit event for the whole batch. `campaign`: the message campaign
    the rows belong to (for its report)."""
    now = now or timezone.now()
    organization = template.organization
    if actor is not None and actor.organization_id != organization.pk:
        raise PermissionDenied
    _check_template_for_queue(template, organization.pk)
    settings = messaging_settings(organization)
    customers = customers.filter(organization=organization).select_related(
        "home_store", "organization"
    )
    batch = Batch(total=customers.count())
    if batch.total > BATCH_MAX:
        raise MessagingError(
            _("At most %(max)s customers at once; narrow the filter.") % {"max": BATCH_MAX}
        )
    due_at, postponed, quiet = _due(settings, template.purpose, due, now)
    reasons = classify(
        customers, organization, channel=template.channel, purpose=template.purpose, now=now
    )
    rows = []
    for customer in customers.iterator(chunk_size=2000):
        recipient = _recipient(customer, template.channel)
        reason = quiet or reasons.get(customer.pk, "") or ("" if recipient else "no_address")
        if not reason and not _audience_fits(template, customer):
            reason = Suppression.AUDIENCE
        try:
            subject, text = render_message(template, customer, context=context, settings=settings)
        except rendering.TemplateError as error:
            batch.unrenderable += 1
            batch.error = str(error)
            continue
        if reason:
            batch.suppressed[reason] = batch.suppressed.get(reason, 0) + 1
        else:
            batch.queued += 1
            batch.postponed += int(postponed)
        if dry_run:
            continue
        rows.append(
            Message(
                organization=organization,
                customer=customer,
                channel=template.channel,
                purpose=template.purpose,
                template=template,
                subject=subject,
                text=text,
                recipient=recipient,
                due_at=due_at,
                postponed=postponed and not reason,
                status=Message.Status.SUPPRESSED if reason else Message.Status.QUEUED,
                suppression_reason=reason,
                created_by=actor,
                campaign=campaign,
            )
        )
    if dry_run:
        return batch
    with transaction.atomic():
        Message.objects.bulk_create(rows, batch_size=1000)
        record_event(
            organization,
            actor=actor,
            action="message.queue_many",
            target=template,
            total=batch.total,
            queued=batch.queued,
            suppressed=batch.suppressed,
        )
    return batch
