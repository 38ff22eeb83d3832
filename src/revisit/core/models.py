"""The tenant and its people: organization → regions → stores, staff and their roles."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """The business (a clinic group, a salon chain, a retail brand): the tenant."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="regions", verbose_name=_("organization")
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="region_code_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """One clinic, salon or shop."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="stores", verbose_name=_("organization")
    )
    region = models.ForeignKey(
        Region,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="stores",
        verbose_name=_("region"),
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="store_code_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """The team a segment's strategy is handed to."""

    class Kind(models.TextChoices):
        ONSITE = "onsite", _("On-site consulting")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        MEMBER_CENTER = "member_center", _("Member center")
        REVISIT_TEAM = "revisit_team", _("Revisit team")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="departments", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["organization", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="department_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Staff(AbstractUser):
    """A person who logs in. What they may see follows from their role assignments."""

    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("organization"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    daily_call_quota = models.PositiveIntegerField(
        _("daily call quota"),
        null=True,
        blank=True,
        help_text=_("Calls per day; empty means the default for the role."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for a one-time password: every page asks for a new one first."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [models.Index(fields=["organization", "display_name"])]

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: str) -> bool:
        return any(a.role in roles for a in self.role_assignments.all())


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    REGION_SUPERVISOR = "region_supervisor", _("Region supervisor")
    STORE_MANAGER = "store_manager", _("Store manager")
    CONSULTANT = "consultant", _("Consultant")
    CALLER = "caller", _("Caller")
    PRACTITIONER = "practitioner", _("Practitioner")
    FRONT_DESK = "front_desk", _("Front desk")


# A list, not a set: its order is written into a migration and must not vary between runs.
STORE_ROLES = [
    Role.CALLER,
    Role.PRACTITIONER,
    Role.CONSULTANT,
    Role.STORE_MANAGER,
    Role.FRONT_DESK,
]


class RoleAssignment(models.Model):
    """A role held by a staff member: admin for the organization, supervisor for a region,
    the other roles in one store."""

    staff = models.ForeignKey(
        Staff, models.CASCADE, related_name="role_assignments", verbose_name=_("staff member")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        Region, models.CASCADE, null=True, blank=True, verbose_name=_("region")
    )
    store = models.ForeignKey(Store, models.CASCADE, null=True, blank=True, verbose_name=_("store"))

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=Role.ADMIN, region__isnull=True, store__isnull=True)
                    | Q(role=Role.REGION_SUPERVISOR, region__isnull=False, store__isnull=True)
                    | Q(
                        role__in=[r.value for r in STORE_ROLES],
                        region__isnull=True,
                        store__isnull=False,
                    )
                ),
                name="role_assignment_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["staff", "role", "region", "store"], name="role_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.store or self.region or ""
        return f"{self.staff} · {self.get_role_display()} {where}".strip()


class AuditEvent(models.Model):
    """Who did what to which record, and when. Written by services, never edited."""

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("organization"),
    )
    actor = models.ForeignKey(
        Staff, models.SET_NULL, null=True, blank=True, verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=80)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "action"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


# Stored on a job whose worker died; shown translated (see Job.error_message).
WORKER_STOPPED = gettext_noop(
    "The background worker stopped while running this job. Start it again; if it stops "
    "again, tell your administrator."
)


class Job(models.Model):
    """One piece of background work (an inventory, a morning tick) and how it went.
    Written only by revisit.core.jobs: the worker claims it, beats while it runs, and
    records the result or the error; a periodic check fails jobs whose worker died."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60)
    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("organization"),
    )
    started_by = models.ForeignKey(
        Staff, models.SET_NULL, null=True, blank=True, verbose_name=_("started by")
    )
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["organization", "kind", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    def error_message(self) -> str:
        """The error in the user's language where it is the product's own sentence."""
        return gettext(self.error) if self.error == WORKER_STOPPED else self.error
