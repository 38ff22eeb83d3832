"""Inventories (盘点): each grades every customer as of a date and keeps the result."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer, Tier


def default_score_weights() -> dict:
    return {"recency_days": 1, "frequency": 1, "monetary": 1}


class GradingSettings(models.Model):
    """An organization's grading rules. The defaults are the usual clinic practice;
    every number here is the organization's to change."""

    class TierBasis(models.TextChoices):
        SPEND = "spend", _("Cumulative spend")
        POINTS = "points", _("Points")
        SHARE = "share", _("Share of customers by spend")

    organization = models.OneToOneField(
        Organization,
        models.CASCADE,
        related_name="grading_settings",
        verbose_name=_("organization"),
    )
    window_months = models.PositiveIntegerField(
        _("RFM window (months)"), null=True, blank=True, help_text=_("Empty: all history.")
    )
    thresholds = models.CharField(
        _("RFM thresholds"),
        max_length=30,
        default="mean",
        help_text=_("mean, median or quantile:Q (e.g. quantile:0.6)."),
    )
    tier_basis = models.CharField(
        _("tier basis"), max_length=10, choices=TierBasis.choices, default=TierBasis.SPEND
    )
    svip_min_spend = models.DecimalField(
        _("SVIP from spend"), max_digits=14, decimal_places=2, default=Decimal("100000")
    )
    a_min_spend = models.DecimalField(
        _("tier A from spend"), max_digits=14, decimal_places=2, default=Decimal("30000")
    )
    b_min_spend = models.DecimalField(
        _("tier B from spend"), max_digits=14, decimal_places=2, default=Decimal("10000")
    )
    a_above_points = models.PositiveIntegerField(_("tier A above points"), default=5000)
    b_min_points = models.PositiveIntegerField(_("tier B from points"), default=2000)
    a_top_share = models.DecimalField(
        _("tier A: top share"), max_digits=4, decimal_places=3, default=Decimal("0.200")
    )
    # Seed 003: A is the top 20 %, B and C share the other 80 %; B takes the next slice.
    b_next_share = models.DecimalField(
        _("tier B: next share"), max_digits=4, decimal_places=3, default=Decimal("0.300")
    )
    downgrade_after_days = models.PositiveIntegerField(
        _("downgrade after days without purchase"), default=365
    )
    score_weights = models.JSONField(
        _("composite score weights"),
        default=default_score_weights,
        blank=True,
        help_text=_('Feature → weight, e.g. {"recency_days": 1, "frequency": 1, "monetary": 2}.'),
    )
    band_rules = models.JSONField(
        _("custom classes"),
        default=list,
        blank=True,
        help_text=_(
            "Band rules on recency_days, frequency, monetary, spend or score; first match wins."
        ),
    )

    class Meta:
        verbose_name = _("grading settings")
        verbose_name_plural = _("grading settings")

    def __str__(self) -> str:
        return str(self.organization)

    def clean(self):
        super().clean()
        if self.tier_basis in UNAVAILABLE_TIER_BASES:
            raise ValidationError({"tier_basis": tier_basis_unavailable()})


# Bases an inventory cannot run (refused with a message rather than crashing it). Points
# come from the wallet's points ledger (`revisit.grading.frames.load_points`).
UNAVAILABLE_TIER_BASES: set[str] = set()


def tier_basis_unavailable() -> str:
    return gettext(
        "Tiers by points are not available yet: points are not recorded. "
        "Choose cumulative spend or share of customers by spend."
    )


def check_tier_basis(basis: str) -> None:
    """Raise ValueError (with a message for the user) for a basis that cannot be run."""
    if basis in UNAVAILABLE_TIER_BASES:
        raise ValueError(tier_basis_unavailable())


def check_organization_tier_basis(organization) -> None:
    """Refuse before queueing an inventory whose stored tier basis cannot be run."""
    basis = GradingSettings.objects.filter(organization=organization).values_list(
        "tier_basis", flat=True
    )
    check_tier_basis(basis.first() or GradingSettings.TierBasis.SPEND)


class Inventory(models.Model):
    """One grading run as of a date: its configuration, thresholds and counts.

    Only a published inventory drives pages, segments, call lists and tier changes; a
    draft (a what-if run with other thresholds) is a snapshot to look at until an admin
    publishes it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="inventories", verbose_name=_("organization")
    )
    as_of = models.DateField(_("as of"))
    config = models.JSONField(_("configuration"), default=dict)
    thresholds = models.JSONField(_("thresholds used"), default=dict)
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    graded_count = models.PositiveIntegerField(_("RFM-graded customers"), default=0)
    segment_counts = models.JSONField(_("segment counts"), default=dict)
    tier_counts = models.JSONField(_("tier counts"), default=dict)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("run by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Published by default, as every inventory was before drafts: `run_inventory` is
    # what decides, and creates a draft first.
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("inventory")
        verbose_name_plural = _("inventories")
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["organization", "as_of"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.as_of}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Segment(models.TextChoices):
    A1 = "A1", _("A1 Important value")
    A2 = "A2", _("A2 Important develop")
    A3 = "A3", _("A3 Important retain")
    A4 = "A4", _("A4 Important win-back")
    B1 = "B1", _("B1 General value")
    B2 = "B2", _("B2 General develop")
    B3 = "B3", _("B3 General retain")
    B4 = "B4", _("B4 General win-back")
    NONE = "none", _("Not graded (no purchase)")


# Grades and tier changes are snapshots written by one service, in one transaction,
# from ids it has just read; an inventory writes a million of them at once. Their
# foreign keys are therefore kept by Django (deletes still cascade through the ORM)
# rather than by database constraints, whose per-row checks at commit would cost more
# than the whole grading.
SNAPSHOT_KEY = {"db_constraint": False}


class Grade(models.Model):
    """One customer's grade in one inventory. Owner and store are kept as they were
    then, so an old allocation table can be shown again exactly."""

    # No index of its own: the unique (inventory, customer) and the (inventory, segment)
    # index lead with it, and an inventory writes a grade per customer into each index.
    inventory = models.ForeignKey(
        Inventory,
        models.CASCADE,
        related_name="grades",
        verbose_name=_("inventory"),
        db_index=False,
        **SNAPSHOT_KEY,
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="grades", verbose_name=_("customer"), **SNAPSHOT_KEY
    )
    segment = models.CharField(_("segment"), max_length=4, choices=Segment.choices)
    tier = models.CharField(_("tier"), max_length=4, choices=Tier.choices)
    score = models.FloatField(_("composite score"), null=True, blank=True)
    band = models.CharField(_("custom class"), max_length=30, blank=True)
    recency_days = models.IntegerField(_("recency (days)"), null=True, blank=True)
    frequency = models.PositiveIntegerField(_("frequency"), default=0)
    monetary = models.DecimalField(_("monetary"), max_digits=14, decimal_places=2, default=0)
    owner_id_then = models.BigIntegerField(_("owner then"), null=True, blank=True)
    store_id_then = models.BigIntegerField(_("store then"), null=True, blank=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        constraints = [
            models.UniqueConstraint(fields=["inventory", "customer"], name="grade_per_inventory")
        ]
        indexes = [models.Index(fields=["inventory", "segment"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.segment}/{self.tier}"


class TierChange(models.Model):
    """Tier history: every proposal, approval, rejection and rule-based change."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial tier")
        UPGRADE = "upgrade", _("Upgrade")
        DOWNGRADE = "downgrade", _("Downgrade")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        APPLIED = "applied", _("Applied by rule")

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
        **SNAPSHOT_KEY,
    )
    customer = models.ForeignKey(
        Customer,
        models.CASCADE,
        related_name="tier_changes",
        verbose_name=_("customer"),
        **SNAPSHOT_KEY,
    )
    store = models.ForeignKey(
        Store,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
        **SNAPSHOT_KEY,
    )
    inventory = models.ForeignKey(
        Inventory,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="tier_changes",
        verbose_name=_("inventory"),
        **SNAPSHOT_KEY,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_tier = models.CharField(_("from tier"), max_length=4, choices=Tier.choices, blank=True)
    to_tier = models.CharField(_("to tier"), max_length=4, choices=Tier.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    # What the tier was computed from when an upgrade was proposed (cumulative spend, or
    # points), so the approval page can show it against the threshold.
    basis_value = models.DecimalField(
        _("spend or points"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    effective_on = models.DateField(_("effective on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one open proposal per customer: a new inventory refreshes it.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="proposed"),
                name="one_open_upgrade_proposal",
            )
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier or '—'} → {self.to_tier} ({self.status})"
