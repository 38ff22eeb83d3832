"""One ledger for every balance a customer holds: points, stored value, credit, course-card
sessions, gift and family cards. An account's balance is the sum of its entries; entries
are never edited or deleted (a correction is a new entry)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Staff, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item


class AccountKind(models.TextChoices):
    POINTS = "points", _("Points")
    STORED_VALUE = "stored_value", _("Stored value")
    CREDIT = "credit", _("Credit")
    COURSE_CARD = "course_card", _("Course card")
    GIFT_CARD = "gift_card", _("Gift card")
    FAMILY_CARD = "family_card", _("Family card")


# Kinds a customer holds once (one points balance); cards may be held several times.
SINGLE_KINDS = (AccountKind.POINTS, AccountKind.STORED_VALUE, AccountKind.CREDIT)
# Kinds counted in whole units (sessions, points), not yuan.
WHOLE_UNIT_KINDS = (AccountKind.COURSE_CARD, AccountKind.POINTS)


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class Account(models.Model):
    """One balance of one customer. `balance` is kept equal to the sum of the entries by
    `revisit.wallet.ledger.post`, which locks this row for every movement."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="wallet_accounts", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="wallet_accounts", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    store = models.ForeignKey(
        Store,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
        help_text=_("Where the card was sold or the account opened."),
    )
    card_number = models.CharField(_("card number"), max_length=64, blank=True)
    # A course card covers sessions of one item, or of any item of a category.
    item = models.ForeignKey(
        Item, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("item")
    )
    item_category = models.CharField(_("item category"), max_length=100, blank=True)
    unit_value = models.DecimalField(
        _("value per unit"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What one session (or one yuan of a card) is worth, for liability reports."),
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    holder_may_redeem = models.BooleanField(
        _("holder may redeem"),
        default=True,
        help_text=_("Off for a family card: the holder gives it away and cannot use it herself."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=0)
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("wallet account")
        verbose_name_plural = _("wallet accounts")
        ordering = ["customer", "kind", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(kind__in=[k.value for k in SINGLE_KINDS]),
                name="wallet_one_balance_per_kind",
            ),
            models.UniqueConstraint(
                fields=["organization", "card_number"],
                condition=~Q(card_number=""),
                name="wallet_card_number_per_org",
            ),
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
        ]
        indexes = [models.Index(fields=["organization", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.card_number or self.pk}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    TOPUP = "topup", _("Topped up")
    SPEND = "spend", _("Spent")
    REFUND = "refund", _("Refunded")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjusted")
    TRANSFER = "transfer", _("Transferred")
    IMPORT = "import", _("Opening balance")


class ReferenceType(models.TextChoices):
    MANUAL = "manual", _("Entered by staff")
    ORDER_LINE = "order_line", _("Order line")
    APPOINTMENT = "appointment", _("Appointment")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    IMPORT = "import", _("Balance import")
    ACCOUNT = "account", _("Another account")
    SCHEDULE = "schedule", _("Scheduled job")


class ImmutableEntry(Exception):
    """Raised when code tries to change or delete a ledger entry."""


class Entry(models.Model):
    """One movement on one account: positive adds, negative takes."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    account = models.ForeignKey(
        Account, models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    reference_type = models.CharField(
        _("reference"), max_length=20, choices=ReferenceType.choices, default=ReferenceType.MANUAL
    )
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    counterpart = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counterpart entry"),
        help_text=_("The other side of a transfer."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Posting twice with the same key posts once (API retries, re-imported orders).
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    # Points and credits earned expire as lots; spends take the oldest first.
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    actor = models.ForeignKey(
        Staff, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["account", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="wallet_entry_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["reference_type", "reference_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableEntry("ledger entries are never changed; post a correction")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntry("ledger entries are never deleted; post a correction")


# Course cards (疗程卡): the products sold as cards and the call-list settings.
from revisit.wallet.course_card_models import CourseCardProduct, CourseCardSettings  # noqa: E402, F401

# --- Stored value and gift/family cards (revisit.wallet.stored_value, .gift_cards) ---


class TopUpBonusRule(models.Model):
    """充 N 送 M: a top-up of at least `threshold` yuan earns `bonus` yuan. Only the best
    rule a top-up reaches applies (10 000 with rules 5 000→300 and 10 000→1 000 earns
    1 000, not 1 300)."""

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="topup_bonus_rules",
        verbose_name=_("organization"),
    )
    threshold = models.DecimalField(_("top-up of at least"), max_digits=12, decimal_places=2)
    bonus = models.DecimalField(_("bonus"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("top-up bonus rule")
        verbose_name_plural = _("top-up bonus rules")
        ordering = ["organization", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "threshold"], name="wallet_one_bonus_per_threshold"
            ),
            models.CheckConstraint(
                condition=Q(threshold__gt=0) & Q(bonus__gt=0), name="wallet_bonus_rule_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"充{self.threshold}送{self.bonus}"


class CardRedemption(models.Model):
    """A gift or family card used by a person named at the till (the redeemer), who may
    not be its holder: one row per spend entry on the card."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    entry = models.OneToOneField(
        Entry, models.PROTECT, related_name="redemption", verbose_name=_("ledger entry")
    )
    card = models.ForeignKey(
        Account, models.PROTECT, related_name="redemptions", verbose_name=_("card")
    )
    redeemer = models.ForeignKey(
        Customer, models.PROTECT, related_name="card_redemptions", verbose_name=_("redeemed by")
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("card redemption")
        verbose_name_plural = _("card redemptions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.card} → {self.redeemer_id}"


# Points rules and membership live in their own module; imported here for Django.
from revisit.wallet.points_models import (  # noqa: E402, F401
    MembershipCard,
    MembershipChange,
    PointsSettings,
)


def keyed(alias: str) -> str:
    """The SQL condition "this entry has an idempotency key", written exactly as the
    unique (organization, idempotency_key) index's own condition: SQLite uses a partial
    index only for a query that repeats its condition, so `<> ''` is not enough (it
    probed every entry of the organization once per line: a second points run over
    100,000 lines did not finish in 8 minutes; with the index it takes about a second)."""
    return f"NOT ({alias}.idempotency_key = '')"
