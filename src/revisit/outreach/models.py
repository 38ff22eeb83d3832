"""Outreach records: strategies per segment, call tasks, follow-ups, cadences, settings."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Department, Organization
from revisit.customers.models import Customer, Satisfaction


class OutreachSettings(models.Model):
    """An organization's outreach numbers; the defaults are common clinic practice."""

    organization = models.OneToOneField(
        Organization,
        models.CASCADE,
        related_name="outreach_settings",
        verbose_name=_("organization"),
    )
    consultant_daily_quota = models.PositiveIntegerField(_("consultant calls per day"), default=30)
    caller_daily_quota = models.PositiveIntegerField(_("caller calls per day"), default=50)
    survey_target_percent = models.PositiveSmallIntegerField(
        _("share of A4 customers surveyed, in percent"),
        default=70,
        help_text=_("Satisfaction survey of the important win-back customers: the target share."),
    )
    next_day_appointment_target = models.PositiveIntegerField(
        _("next-day appointments per person"), default=3
    )
    cool_off_days = models.PositiveIntegerField(_("days between contacts"), default=7)
    unreachable_retry_days = models.PositiveIntegerField(
        _("retry unreachable after days"), default=1
    )
    unreachable_max_retries = models.PositiveIntegerField(_("retries when unreachable"), default=3)
    interested_next_days = models.PositiveIntegerField(
        _("interested: next contact after days"), default=10
    )
    declined_next_days = models.PositiveIntegerField(
        _("declined: next contact after days"), default=90
    )
    contact_cap = models.PositiveIntegerField(
        _("contacts without purchase before quarterly contact"), default=6
    )
    capped_interval_days = models.PositiveIntegerField(
        _("quarterly contact interval (days)"), default=90
    )
    # Calling an existing customer who never said yes or no rests on the relationship
    # (a legitimate interest); an organization may instead require a recorded yes.
    call_without_consent = models.BooleanField(
        _("call customers without a consent record"),
        default=True,
        help_text=_(
            "On: existing customers are called unless they said no. Off: only customers "
            "who agreed to calls."
        ),
    )

    strategy_precedence = models.CharField(
        _("when a segment and a tier strategy both apply"),
        max_length=10,
        choices=[
            ("tier", _("The tier strategy wins")),
            ("segment", _("The segment strategy wins")),
        ],
        default="tier",
    )
    call_team_daily_quota = models.PositiveIntegerField(
        _("call team calls per day"),
        default=150,
        help_text=_("Members of the call team; 100 to 200 a day is usual."),
    )
    winback_offer_price = models.TextField(
        _("win-back offer: finds it too expensive"),
        blank=True,
        default="半价体验活动价项目 1 次（体验价 580 元，半价 290 元）；季度美肤卡 980 元或 1980 元",
    )
    winback_offer_service = models.TextField(
        _("win-back offer: service not good"),
        blank=True,
        default="赠送光子嫩肤 1 次卡（按过往消费金额选择赠送项目），凭微信截屏到院领取；到院专人接待",
    )
    winback_offer_other = models.TextField(
        _("win-back offer: other reasons"),
        blank=True,
        default="到院专人接待，免费皮肤检测，赠医用面膜 1 盒",
    )

    class Meta:
        verbose_name = _("outreach settings")
        verbose_name_plural = _("outreach settings")

    def __str__(self) -> str:
        return str(self.organization)


class InvitationType(models.TextChoices):
    EXPERT_EVENT = "expert_event", _("Expert event")
    NEW_PRODUCT = "new_product", _("New product launch")
    SPECIAL_PRICE = "special_price", _("Special price")
    FREE_TRIAL = "free_trial", _("Free trial")


class Allocation(models.TextChoices):
    """Who takes a strategy's customers (seed: SVIP to a VIP manager, A/B to the owning
    consultant, C to the call team, the consultant's assistant for her B1 customers)."""

    DEPARTMENT = "department", _("The department (owner if hers, else its callers)")
    OWNER = "owner", _("The owning consultant")
    ASSISTANT = "assistant", _("The owning consultant's assistant")
    MANAGER = "manager", _("A named VIP manager")
    CALL_TEAM = "call_team", _("The call team")


class Strategy(models.Model):
    """What is done for one segment (A1…B4) or tier (SVIP…C): by which department, with
    which offer and script."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="strategies", verbose_name=_("organization")
    )
    target = models.CharField(_("segment or tier"), max_length=4)
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=30, choices=Department.Kind.choices)
    invitation_type = models.CharField(
        _("invitation type"), max_length=20, choices=InvitationType.choices, blank=True
    )
    policy = models.TextField(_("policy"), blank=True)
    offer = models.TextField(_("offer"), blank=True)
    upgrade_discount = models.DecimalField(
        _("upgrade price: share of this month's price"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("e.g. 0.80: upgrade at 0.8 × the price minus the stored item."),
    )
    script = models.TextField(_("call script"), blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=5, help_text=_("1 is first.")
    )
    is_worked = models.BooleanField(_("worked"), default=True)
    allocation = models.CharField(
        _("who calls"), max_length=12, choices=Allocation.choices, default=Allocation.DEPARTMENT
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("VIP manager"),
        help_text=_("For allocation to a named manager: the staff member who takes them."),
    )

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["organization", "priority", "target"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "target"], name="strategy_per_target")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.name}"


class CallTask(models.Model):
    """A customer allocated to a staff member to contact on a given day."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        SEGMENT = "segment", _("Segment strategy")
        SCHEDULED = "scheduled", _("Scheduled contact")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="call_tasks", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="call_tasks", verbose_name=_("customer")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="call_tasks",
        verbose_name=_("assigned to"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.SEGMENT
    )
    segment = models.CharField(_("segment"), max_length=4, blank=True)
    strategy = models.ForeignKey(
        Strategy,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("strategy"),
    )
    first_due_date = models.DateField(_("first due date"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("worked by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    campaign = models.ForeignKey(
        "Campaign",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("campaign"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["assignee", "status", "due_date"])]
        constraints = [
            # One open task per customer: a second list cannot hand her out again.
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(status="open"), name="one_open_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.due_date} {self.customer}"


class Outcome(models.TextChoices):
    VALID_1 = "valid_1", _("Valid 1: arrival confirmed")
    VALID_2 = "valid_2", _("Valid 2: interested, time open")
    VALID_3 = "valid_3", _("Valid 3: declined this time")
    VALID_4 = "valid_4", _("Valid 4: bought elsewhere, not interested")
    INVALID_1 = "invalid_1", _("Invalid 1: unreachable for now")
    INVALID_2 = "invalid_2", _("Invalid 2: number dead")


class DeclineReason(models.TextChoices):
    REGION = "region", _("Too far")
    TIME = "time", _("No time")
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Competitor")
    OTHER = "other", _("Other")


class DissatisfactionReason(models.TextChoices):
    """Why a surveyed customer is not satisfied: the reason picks the win-back offer."""

    PRICE = "price", _("Too expensive")
    SERVICE = "service", _("Service not good")
    EFFECT = "effect", _("Result not as hoped")
    OTHER = "other", _("Other")


class ContactChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")


class FollowUp(models.Model):
    """One contact attempt and its outcome."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="followups", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="followups", verbose_name=_("customer")
    )
    task = models.OneToOneField(
        CallTask,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup",
        verbose_name=_("call task"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="followups",
        verbose_name=_("staff member"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    intent = models.PositiveSmallIntegerField(
        _("intent level"),
        null=True,
        blank=True,
        choices=[(1, _("Intent 1: strong")), (2, _("Intent 2: medium")), (3, _("Intent 3: weak"))],
    )
    decline_reason = models.CharField(
        _("decline reason"), max_length=12, choices=DeclineReason.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction (survey)"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    dissatisfaction_reason = models.CharField(
        _("reason for dissatisfaction"),
        max_length=10,
        choices=DissatisfactionReason.choices,
        blank=True,
    )
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    appointment = models.ForeignKey(
        "appointments.Appointment",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    contacted_at = models.DateTimeField(_("contacted at"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-contacted_at"]
        indexes = [
            models.Index(fields=["customer", "contacted_at"]),
            models.Index(fields=["organization", "contacted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.get_outcome_display()}"


class Cadence(models.Model):
    """When to contact again, as data: after an intent level, or after a treatment of a
    category. `offsets`: the given days after the anchor date. `month_days`: from
    `start_months` months after the anchor, on the given days of each month (no days:
    the anchor's own day of the month)."""

    class Kind(models.TextChoices):
        OFFSETS = "offsets", _("Days after")
        MONTH_DAYS = "month_days", _("Days of each month")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="cadences", verbose_name=_("organization")
    )
    key = models.CharField(
        _("key"), max_length=100, help_text=_("intent_1, intent_2, intent_3 or revisit:CATEGORY")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    days = models.JSONField(_("days"), default=list)
    start_months = models.PositiveSmallIntegerField(_("start after months"), default=0)

    class Meta:
        verbose_name = _("cadence")
        verbose_name_plural = _("cadences")
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="cadence_key")]

    def __str__(self) -> str:
        return self.name


class ScheduledContact(models.Model):
    """A contact due on a date; call-list generation turns due ones into tasks."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="scheduled_contacts", verbose_name=_("customer")
    )
    due_on = models.DateField(_("due on"))
    reason = models.CharField(_("reason"), max_length=40)
    cadence = models.ForeignKey(
        Cadence, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("cadence")
    )
    anchor_on = models.DateField(_("cadence anchor"), null=True, blank=True)
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled contact")
        verbose_name_plural = _("scheduled contacts")
        ordering = ["due_on"]
        indexes = [models.Index(fields=["organization", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.due_on} {self.customer} ({self.reason})"


class OutreachState(models.Model):
    """Per customer: the queue she is in and how often in a row she could not be reached."""

    class Queue(models.TextChoices):
        CALL_LISTS = "call_lists", _("Call lists")
        REVISIT_TEAM = "revisit_team", _("Revisit team")

    customer = models.OneToOneField(
        Customer, models.CASCADE, related_name="outreach_state", verbose_name=_("customer")
    )
    queue = models.CharField(
        _("queue"), max_length=15, choices=Queue.choices, default=Queue.CALL_LISTS
    )
    unreachable_count = models.PositiveIntegerField(_("unreachable in a row"), default=0)

    class Meta:
        verbose_name = _("outreach state")
        verbose_name_plural = _("outreach states")

    def __str__(self) -> str:
        return str(self.customer)


class StaffDuty(models.Model):
    """A staff member's part in the call lists beyond her roles: whose assistant she is
    (she takes that consultant's customers of an "assistant" strategy), and whether she
    is on the call team (呼叫组, with its own daily quota)."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="duty",
        verbose_name=_("staff member"),
    )
    assists = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assistants",
        verbose_name=_("assistant of"),
    )
    on_call_team = models.BooleanField(_("on the call team"), default=False)

    class Meta:
        verbose_name = _("outreach duty")
        verbose_name_plural = _("outreach duties")

    def __str__(self) -> str:
        return str(self.staff)

    @property
    def organization(self):
        return self.staff.organization


class Campaign(models.Model):
    """A dated plan (the May plan, an anniversary): which segments, tiers and item
    categories it targets, its offer, and per target the offer, script and invitation
    type that replace the strategy's while it runs."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="campaigns", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    ended_on = models.DateField(
        _("ended early on"), null=True, blank=True, help_text=_("Not active from this day.")
    )
    segments = models.JSONField(_("segments"), default=list, blank=True)
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    categories = models.JSONField(_("item categories"), default=list, blank=True)
    offer = models.TextField(_("offer"), blank=True)
    # {"A1": {"offer": "...", "script": "...", "invitation_type": "..."}, ...}
    overrides = models.JSONField(_("strategy overrides"), default=dict, blank=True)
    reinvited_at = models.DateTimeField(_("re-invitations scheduled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["organization", "starts_on"])]

    def __str__(self) -> str:
        return self.name

    @property
    def last_day(self):
        """The last day it runs (the day before it was ended early, if it was)."""
        if self.ended_on is not None:
            return min(self.ends_on, self.ended_on - timedelta(days=1))
        return self.ends_on

    def is_active_on(self, day) -> bool:
        return self.starts_on <= day <= self.last_day

    def targets(self, segment: str, tier: str) -> bool:
        return bool(segment and segment in self.segments) or bool(tier and tier in self.tiers)

    def override_for(self, segment: str, tier: str) -> dict:
        """The overrides for a customer: her segment's, else her tier's (empty values
        left out), with the campaign's own offer when neither gives one."""
        found = {}
        for target in (tier, segment):
            for key, value in (self.overrides.get(target) or {}).items():
                if value:
                    found[key] = value
        if not found.get("offer") and self.offer:
            found["offer"] = self.offer
        return found


DEFAULT_UPGRADE_DISCOUNT = Decimal("0.80")
