"""Points rules and retail membership (seed 003): how points are earned, when they
expire, the cash-back per N points, and the temporary card that becomes a formal one
at a points threshold. Imported by `revisit.wallet.models` so that Django finds them."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Staff, Store
from revisit.customers.models import Customer


class PointsSettings(models.Model):
    """An organization's points program. The defaults follow seed 003 where it gives
    numbers; every value is the organization's to change on the settings page."""

    organization = models.OneToOneField(
        Organization, models.CASCADE, related_name="points_settings", verbose_name=_("organization")
    )
    enabled = models.BooleanField(
        _("points program on"),
        default=False,
        help_text=_("Off: orders earn no points and no membership cards are issued."),
    )
    points_per_yuan = models.DecimalField(
        _("points per yuan"), max_digits=8, decimal_places=3, default=Decimal("1")
    )
    earn_from = models.DateField(
        _("earn from"),
        null=True,
        blank=True,
        help_text=_("Orders before this day earn nothing. Empty: all orders."),
    )
    # {"category": "1.5"}: a category's points are multiplied by its rate.
    category_rates = models.JSONField(_("rates per item category"), default=dict, blank=True)
    excluded_categories = models.JSONField(
        _("categories that earn nothing"), default=list, blank=True
    )
    exclude_promo = models.BooleanField(_("promotional items earn nothing"), default=True)
    # {"SVIP": "2", "A": "1.5"}: the customer's current value tier multiplies her points.
    tier_multipliers = models.JSONField(_("multipliers per tier"), default=dict, blank=True)
    # {"<campaign id>": "2"}: orders on a day the campaign runs earn that many times.
    campaign_multipliers = models.JSONField(_("multipliers per campaign"), default=dict, blank=True)
    expire_after_years = models.PositiveSmallIntegerField(
        _("points expire at the end of year + N"),
        null=True,
        blank=True,
        default=1,
        help_text=_("1: at the end of the year after they were earned. Empty: never."),
    )
    cashback_every_points = models.PositiveIntegerField(_("cash-back every N points"), default=1000)
    cashback_amount = models.DecimalField(
        _("cash-back per N points (yuan)"), max_digits=10, decimal_places=2, default=Decimal("10")
    )
    membership_threshold = models.PositiveIntegerField(_("formal member from points"), default=1000)
    card_ready_days = models.PositiveSmallIntegerField(_("formal card ready after days"), default=5)
    card_prefix = models.CharField(_("card number prefix"), max_length=8, default="M", blank=True)

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")

    def __str__(self) -> str:
        return str(self.organization)


class MembershipStatus(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary card")
    FORMAL = "formal", _("Formal member")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class CardHandover(models.TextChoices):
    PENDING = "", _("Not yet handed over")
    PICKED_UP = "picked_up", _("Picked up at the store")
    MAILED = "mailed", _("Mailed")


class MembershipCard(models.Model):
    """A customer's membership: a temporary card (points only) until her accumulated
    points reach the threshold, then a formal card, ready at the store N days later."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    customer = models.OneToOneField(
        Customer, models.CASCADE, related_name="membership", verbose_name=_("customer")
    )
    card_number = models.CharField(_("card number"), max_length=32)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.TEMPORARY,
    )
    store = models.ForeignKey(
        Store, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    issued_at = models.DateTimeField(_("issued at"))
    formal_on = models.DateField(_("formal member since"), null=True, blank=True)
    card_ready_on = models.DateField(_("card ready on"), null=True, blank=True)
    handover = models.CharField(
        _("card handed over"), max_length=10, choices=CardHandover.choices, blank=True
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    mail_address = models.CharField(_("mailing address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("membership card")
        verbose_name_plural = _("membership cards")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "card_number"], name="membership_card_number_per_org"
            )
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.card_number


class MembershipChange(models.Model):
    """One status change of a membership card (issued, formal, suspended, …)."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    card = models.ForeignKey(
        MembershipCard, models.CASCADE, related_name="changes", verbose_name=_("card")
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=MembershipStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=MembershipStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        Staff, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")
        ordering = ["card", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
