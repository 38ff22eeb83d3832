"""The referral channel (老带新): a referred person registered as a lead before she comes,
whose arrival decides once whose performance she is, and whose first order earns both
sides their rewards."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Role, Staff, Store
from revisit.customers.models import Channel, Customer
from revisit.sales.models import Order

# The roles a referral KPI is kept for, and their monthly targets per 100 customers each
# served in the month. The seed names the posts (现场客服, 管家客服, 会员中心, 呼叫中心, 医助,
# 技师, 护理师) but gives no numbers: these are starting points every clinic edits.
KPI_ROLES = [
    Role.CONSULTANT,
    Role.FRONT_DESK,
    Role.CALLER,
    Role.PRACTITIONER,
    Role.STORE_MANAGER,
]
KPI_METRICS = ("registrations", "arrivals", "deals")
DEFAULT_ROLE_TARGETS = {
    Role.CONSULTANT: (10, 5, 4),
    Role.FRONT_DESK: (5, 3, 2),
    Role.CALLER: (5, 3, 2),
    Role.PRACTITIONER: (5, 3, 2),
    Role.STORE_MANAGER: (3, 2, 1),
}


def default_role_targets() -> dict:
    return {
        str(role): dict(zip(KPI_METRICS, map(str, values), strict=True))
        for role, values in DEFAULT_ROLE_TARGETS.items()
    }


class ReferralSettings(models.Model):
    """An organization's referral program: when a registration counts and what both
    sides get. The defaults are one clinic's numbers; every one is editable."""

    organization = models.OneToOneField(
        Organization, models.CASCADE, related_name="referral_settings"
    )
    registration_cutoff_days = models.PositiveSmallIntegerField(
        _("registration needed days before arrival"),
        default=1,
        help_text=_("A lead registered later than this before her arrival counts as a walk-in."),
    )
    referrer_rebate_rate = models.DecimalField(
        _("referrer's rebate (share of the first spend)"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
    )
    referee_rebate_rate = models.DecimalField(
        _("new customer's rebate (share of the first spend)"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
    )
    gift_threshold = models.DecimalField(
        _("first spend that earns the referrer a gift"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1000"),
    )
    gift_value = models.DecimalField(
        _("gift value"), max_digits=12, decimal_places=2, default=Decimal("480")
    )
    gift_description = models.CharField(_("gift"), max_length=100, default="护肤礼品", blank=True)
    gift_credit_rate = models.DecimalField(
        _("referrer's gift credit (share of the first spend)"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        help_text=_(
            "Products given as deductible credit worth this share of the friend's first "
            "spend (about 0.10); 0: none."
        ),
    )
    referrer_points_per_yuan = models.DecimalField(
        _("referrer's points per yuan of the first spend"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("1"),
        help_text=_(
            "Earned only while the points program is on; 0: no points. Whole points, rounded down."
        ),
    )
    revenue_share_target = models.DecimalField(
        _("target share of revenue from referrals"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.10"),
        help_text=_(
            "Also each staff member's referral revenue target: this share of what the "
            "customers she served spent in the month."
        ),
    )
    role_targets = models.JSONField(
        _("monthly targets per role"),
        default=default_role_targets,
        blank=True,
        help_text=_("Per 100 customers served in the month: registrations, arrivals, deals."),
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")

    def __str__(self) -> str:
        return str(self.organization)

    def role_target(self, role: str) -> dict[str, Decimal]:
        """The monthly targets of `role` per 100 served customers (the defaults for a
        role or metric the stored settings lack)."""
        stored = (self.role_targets or {}).get(role) or {}
        defaults = dict(zip(KPI_METRICS, DEFAULT_ROLE_TARGETS.get(role, (0, 0, 0)), strict=True))
        out = {}
        for metric in KPI_METRICS:
            try:
                out[metric] = Decimal(str(stored.get(metric, defaults[metric])))
            except ArithmeticError:
                out[metric] = Decimal(defaults[metric])
        return out


class Intention(models.IntegerChoices):
    LEVEL_1 = 1, _("Level 1: item clear, quoted, arrives within a month")
    LEVEL_2 = 2, _("Level 2: arrives within three months")
    LEVEL_3 = 3, _("Level 3: not yet reached, or time unknown")


class Attribution(models.TextChoices):
    """Whose performance a referred customer is. A channel code (search, e-commerce…)
    when another channel registered her first."""

    REFERRAL = "referral", _("Referral")
    WALK_IN = "walk_in", _("Walk-in")


class Rule(models.TextChoices):
    REFERRAL = "referral", _("Registered the day before: referral")
    FIRST_REGISTRATION = "first_registration", _("Registered first by another channel")
    DAY_BEFORE = "day_before", _("Not registered the day before")
    CASE_1 = "case_1", _("Referrer did not come; only said she was recommended")
    CASE_2 = "case_2", _("Asked for a consultant by name")
    CASE_3 = "case_3", _("Came in a group")
    CASE_4 = "case_4", _("Brought by the referrer but registered by another channel")
    CASE_5 = "case_5", _("Registered by another channel, never arrived, referred via service")


class Level(models.TextChoices):
    PRIMARY = "primary", _("Primary channel (customer service)")
    SECONDARY = "secondary", _("Secondary (inside another channel)")


class Lead(models.Model):
    """A person an existing customer recommended (被推荐人), registered before she comes."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="referral_leads", verbose_name=_("organization")
    )
    store = models.ForeignKey(Store, models.PROTECT, related_name="+", verbose_name=_("store"))
    referrer = models.ForeignKey(
        Customer, models.PROTECT, related_name="referral_leads", verbose_name=_("referrer")
    )
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    items = models.CharField(_("needed items"), max_length=200, blank=True)
    spending_power = models.CharField(_("spending power"), max_length=100, blank=True)
    expected_arrival = models.DateField(_("expected arrival"), null=True, blank=True)
    intention = models.PositiveSmallIntegerField(
        _("intention level"), choices=Intention.choices, default=Intention.LEVEL_3
    )
    via_channel = models.CharField(
        _("registered through"),
        max_length=20,
        choices=Channel.choices,
        blank=True,
        help_text=_(
            "Empty when customer service registered her; else the channel it came through."
        ),
    )
    registered_by = models.ForeignKey(
        Staff, models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    registered_at = models.DateTimeField(_("registered at"))
    # Her card: made at registration when she had none (`made_card`), or the card another
    # channel made before (first registration wins), or made at arrival.
    made_card = models.BooleanField(_("card made by this registration"), default=False)
    customer = models.ForeignKey(
        Customer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_as",
        verbose_name=_("customer"),
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    # Decided once, when she arrives; never changed afterwards except by an audited
    # correction.
    attribution = models.CharField(_("attribution"), max_length=20, blank=True)
    level = models.CharField(_("channel level"), max_length=10, choices=Level.choices, blank=True)
    rule = models.CharField(_("rule applied"), max_length=20, choices=Rule.choices, blank=True)
    facts = models.JSONField(_("arrival facts"), default=dict, blank=True)
    decided_by = models.ForeignKey(
        Staff, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("referral lead")
        verbose_name_plural = _("referral leads")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "mobile"]),
            models.Index(fields=["organization", "store", "registered_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(customer__isnull=False),
                name="referral_one_lead_per_customer",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def decided(self) -> bool:
        return bool(self.rule)

    def attribution_label(self) -> str:
        if not self.attribution:
            return ""
        if self.attribution in Attribution.values:
            return str(Attribution(self.attribution).label)
        try:
            return str(Channel(self.attribution).label)
        except ValueError:
            return self.attribution


class RewardSide(models.TextChoices):
    REFERRER = "referrer", _("Referrer")
    REFEREE = "referee", _("New customer")


class RewardKind(models.TextChoices):
    REBATE = "rebate", _("Rebate credit")
    GIFT = "gift", _("Gift")
    GIFT_CREDIT = "gift_credit", _("Gift credit")
    POINTS = "points", _("Points")


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Reward(models.Model):
    """What one side earns from a referred customer's first order: proposed when the
    order comes in, approved by a store manager, then posted to her credit balance."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    lead = models.ForeignKey(Lead, models.PROTECT, related_name="rewards", verbose_name=_("lead"))
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="referral_rewards", verbose_name=_("customer")
    )
    side = models.CharField(_("side"), max_length=10, choices=RewardSide.choices)
    kind = models.CharField(_("reward"), max_length=12, choices=RewardKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order = models.ForeignKey(
        Order, models.PROTECT, related_name="+", verbose_name=_("first order")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RewardStatus.choices, default=RewardStatus.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        Staff, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    entry = models.ForeignKey(
        "wallet.Entry",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )

    class Meta:
        verbose_name = _("referral reward")
        verbose_name_plural = _("referral rewards")
        ordering = ["-proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "side", "kind"], name="referral_reward_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.get_kind_display()} {self.amount}"
