"""Every import is recorded: who imported which file, and what happened to its rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store


class ImportRun(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        ORDERS = "orders", _("Orders")
        BALANCES = "balances", _("Opening balances")
        REFERRALS = "referrals", _("Referral registrations")

    class Status(models.TextChoices):
        DONE = "done", _("Done")
        DRY_RUN = "dry_run", _("Checked only (dry run)")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="import_runs", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file checksum"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("actor")
    )
    store = models.ForeignKey(
        Store,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
        verbose_name=_("store"),
        help_text=_("The store the import was made for; it decides who may read the run."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    message = models.TextField(_("message"), blank=True)
    read = models.PositiveIntegerField(_("rows read"), default=0)
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    updated = models.PositiveIntegerField(_("rows updated"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    created_customers = models.PositiveIntegerField(_("customers created"), default=0)
    created_items = models.PositiveIntegerField(_("items created"), default=0)
    report_path = models.CharField(_("report file"), max_length=500, blank=True)
    rejects_path = models.CharField(_("rejected rows file"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"
