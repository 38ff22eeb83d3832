"""Message campaigns (群发): one message to a filtered audience, previewed with the count
the rules hold back, tried on oneself, approved above a size, then queued into the outbox.
Imported by messaging.models so that Django finds the model."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store

NAME_MAX = 100


class MessageCampaign(models.Model):
    """A one-off send to the customers matching `filters` in the creator's scope."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        REJECTED = "rejected", _("Rejected")
        QUEUED = "queued", _("Queued for sending")
        CANCELLED = "cancelled", _("Cancelled")

    class Membership(models.TextChoices):
        ANY = "", _("Members and non-members")
        MEMBER = "member", _("Members only")
        NON_MEMBER = "non_member", _("Non-members only")

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="message_campaigns",
        verbose_name=_("organization"),
    )
    # The store the send is for (its manager approves); empty: the organization's own.
    store = models.ForeignKey(
        Store,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    template = models.ForeignKey(
        "messaging.MessageTemplate",
        models.PROTECT,
        related_name="campaigns",
        verbose_name=_("template"),
    )
    # The audience: CustomerFilter's fields (segment, tier, tag, store, owner, channel,
    # visited_after, visited_before) plus "membership"; dates as ISO text.
    filters = models.JSONField(_("audience"), default=dict, blank=True)
    date_value = models.CharField(_("value of {date}"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The preview when submitted: customers matched, to be sent, held back by reason.
    audience_count = models.PositiveIntegerField(_("customers matched"), default=0)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    suppressed = models.JSONField(_("not sent, by reason"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    test_sent_at = models.DateTimeField(_("test sent at"), null=True, blank=True)
    test_sent_to = models.CharField(_("test sent to"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("message campaign")
        verbose_name_plural = _("message campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="msg_campaign_status")]

    def __str__(self) -> str:
        return self.name
