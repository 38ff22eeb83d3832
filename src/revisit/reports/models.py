"""The monthly revisit report (回访情况月报表) of a store and the region supervisor's
summary of her stores (月度客户回访情况总结报告)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Region, Store

TEXT_MAX = 5000
SUGGESTION_MAX = 1000


class MonthlyFollowupReport(models.Model):
    """One store's month: the figures (frozen when submitted), the store manager's
    summary and next month's plan, and the region supervisor's review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being written")
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        REVIEWED = "reviewed", _("Reviewed")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    store = models.ForeignKey(
        Store, models.CASCADE, related_name="monthly_reports", verbose_name=_("store")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    summary = models.TextField(_("summary of the month"), max_length=TEXT_MAX, blank=True)
    plan = models.TextField(_("next month's plan"), max_length=TEXT_MAX, blank=True)
    plan_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan set by"),
    )
    plan_set_at = models.DateTimeField(_("plan set at"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_comment = models.TextField(_("supervisor's comments"), max_length=TEXT_MAX, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly revisit report")
        verbose_name_plural = _("monthly revisit reports")
        ordering = ["-month", "store"]
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="monthly_report_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.month:%Y-%m}"


class PlanSuggestion(models.Model):
    """A staff member's suggestion for next month's plan (店员建议, 店长制订)."""

    report = models.ForeignKey(
        MonthlyFollowupReport,
        models.CASCADE,
        related_name="suggestions",
        verbose_name=_("monthly revisit report"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("suggested by")
    )
    text = models.TextField(_("suggestion"), max_length=SUGGESTION_MAX)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("plan suggestion")
        verbose_name_plural = _("plan suggestions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class RegionSummary(models.Model):
    """The region supervisor's summary of all her stores' month, due by the 1st."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    region = models.ForeignKey(
        Region, models.CASCADE, related_name="monthly_summaries", verbose_name=_("region")
    )
    month = models.DateField(_("month"))
    summary = models.TextField(_("summary"), max_length=TEXT_MAX)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("region's monthly summary")
        verbose_name_plural = _("region's monthly summaries")
        ordering = ["-month", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="region_summary_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m}"
