"""Messaging records: the organization's message templates, its messaging settings and
the outbox (one row per message, claimed and sent by the worker)."""

import secrets
import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization
from revisit.customers.models import Customer

BODY_MAX = 2000
SUBJECT_MAX = 200


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat Work message")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter or card to print")
    PHONE = "phone", _("Phone script")


# Channels the worker sends (a phone script is read out on a call, not queued).
SENDABLE_CHANNELS = {
    MessageChannel.SMS,
    MessageChannel.WECHAT,
    MessageChannel.EMAIL,
    MessageChannel.LETTER,
}


class Purpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing (needs consent, quiet hours, caps)")
    SERVICE = "service", _("Service notice (points, card pickup, appointment)")


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    MEMBER = "member", _("Members")
    NON_MEMBER = "non_member", _("Non-members")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class MessageTemplate(models.Model):
    """A text with placeholders ({name}, {honorific}, {points} …) sent on one channel."""

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="message_templates",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("sending channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.MARKETING
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    audience = models.CharField(
        _("sent to"), max_length=10, choices=Audience.choices, default=Audience.ALL
    )
    subject = models.CharField(_("subject (email)"), max_length=SUBJECT_MAX, blank=True)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    body_non_member = models.TextField(
        _("text for non-members"),
        max_length=BODY_MAX,
        blank=True,
        help_text=_("Leave empty to send the same text to everyone."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["channel", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="message_template_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def default_daily_cap() -> int:
    return settings.MESSAGING_DAILY_CAP


def default_campaign_threshold() -> int:
    return settings.MESSAGING_CAMPAIGN_APPROVAL_THRESHOLD


class MessagingSettings(models.Model):
    """An organization's sending rules: signature, quiet hours, daily cap, webhook secret."""

    class QuietAction(models.TextChoices):
        POSTPONE = "postpone", _("Hold until the quiet hours end")
        SUPPRESS = "suppress", _("Do not send")

    organization = models.OneToOneField(
        Organization,
        models.CASCADE,
        related_name="messaging_settings",
        verbose_name=_("organization"),
    )
    signature = models.CharField(
        _("SMS signature"),
        max_length=20,
        blank=True,
        help_text=_("Shown as 【signature】 before every SMS; empty: the organization's name."),
    )
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)
    opt_out_line = models.CharField(
        _("opt-out line of marketing SMS"), max_length=20, default="回T退订"
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=time(21, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0))
    quiet_action = models.CharField(
        _("marketing due in quiet hours"),
        max_length=10,
        choices=QuietAction.choices,
        default=QuietAction.POSTPONE,
    )
    daily_cap = models.PositiveIntegerField(
        _("messages per day at most"),
        default=default_daily_cap,
        help_text=_("The worker sends no more than this many messages a day (local time)."),
    )
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=new_webhook_secret
    )
    campaign_approval_threshold = models.PositiveIntegerField(
        _("message campaigns need approval above"),
        default=default_campaign_threshold,
        help_text=_(
            "A send to more recipients than this waits for a store manager or an "
            "administrator other than its author."
        ),
    )

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    def __str__(self) -> str:
        return str(self.organization)


class Suppression(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    CAP = "cap", _("Contact cap")
    BAD_NUMBER = "bad_number", _("Dead or unverified number")
    NO_ADDRESS = "no_address", _("No address to send to")
    BLACKLISTED = "blacklisted", _("Blacklist or dispute")
    AUDIENCE = "audience", _("Template not for this customer")


class Message(models.Model):
    """One message in the outbox. The worker claims a due row by a conditional update
    (queued → sending with a fresh claim token), sends it with `idempotency_key` as the
    provider's out id, and records the provider's id."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="messages", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="messages", verbose_name=_("customer")
    )
    channel = models.CharField(_("sending channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.MARKETING
    )
    template = models.ForeignKey(
        MessageTemplate,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("template"),
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX, blank=True)
    text = models.TextField(_("text"))
    # Where it goes, as it was when queued: the mobile for an SMS, the address of an email.
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    suppression_reason = models.CharField(
        _("reason not sent"), max_length=12, choices=Suppression.choices, blank=True
    )
    postponed = models.BooleanField(_("held for the quiet hours"), default=False)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_error = models.CharField(_("delivery error"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queued by"),
    )
    campaign = models.ForeignKey(
        "messaging.MessageCampaign",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("message campaign"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="message_due"),
            models.Index(fields=["organization", "due_at"], name="message_org_due"),
            models.Index(fields=["customer", "sent_at"], name="message_customer_sent"),
            models.Index(fields=["provider_id"], name="message_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.customer} ({self.get_status_display()})"


from revisit.messaging.campaign_models import MessageCampaign  # noqa: E402, F401
