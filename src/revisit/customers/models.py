"""Customers: the people a business serves or has met, and what they agreed to."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store


class Gender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "U", _("Unknown")


class Channel(models.TextChoices):
    SEARCH = "search", _("Search")
    ECOMMERCE = "ecommerce", _("E-commerce")
    SOCIAL = "social", _("Social media")
    PHONE = "phone", _("Phone")
    MINI_PROGRAM = "mini_program", _("Mini-program")
    REFERRAL = "referral", _("Referral")
    WALK_IN = "walk_in", _("Walk-in")
    NEWSPAPER = "newspaper", _("Newspaper")
    TV = "tv", _("Television")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")


class MaritalStatus(models.TextChoices):
    UNKNOWN = "", _("Not known")
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    OTHER = "other", _("Other")


class Occupation(models.TextChoices):
    """Occupation groups that journeys greet on their own day (建军节, 教师节)."""

    UNKNOWN = "", _("Not recorded")
    SOLDIER = "soldier", _("Soldier")
    TEACHER = "teacher", _("Teacher")
    MEDICAL = "medical", _("Doctor or nurse")
    CIVIL_SERVANT = "civil_servant", _("Civil servant")
    OFFICE = "office", _("Office worker")
    BUSINESS = "business", _("Business owner")
    STUDENT = "student", _("Student")
    RETIRED = "retired", _("Retired")
    OTHER = "other", _("Other")


class PhoneStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid format")
    REVIEW = "review", _("Flagged for review")
    DEAD = "dead", _("Dead number")


class Satisfaction(models.TextChoices):
    UNKNOWN = "", _("Not surveyed")
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class RiskFlag(models.TextChoices):
    """Customers who need extra care before treatment."""

    ANXIOUS = "anxious", _("Anxious or hesitant")
    PERFECTIONIST = "perfectionist", _("Perfectionist expectations")
    UNREALISTIC = "unrealistic", _("Unrealistic expectations")
    MEDICAL = "medical", _("Medical condition to check")
    COMPLAINT_HISTORY = "complaint_history", _("History of complaints")


class Tier(models.TextChoices):
    """Value tiers, highest first. `rank` orders them (0 is the top)."""

    SVIP = "SVIP", _("SVIP")
    A = "A", _("Tier A")
    B = "B", _("Tier B")
    C = "C", _("Tier C")

    @classmethod
    def rank(cls, tier: str) -> int:
        return [t.value for t in cls].index(tier)


class Tag(models.Model):
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="tags", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="tag_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class PsychologyType(models.Model):
    """A patient psychology type (心理类型) from the organization's list; seed 004's six by
    default. Types that need professional psychological support before and after treatment
    are flagged, and a type may carry a do-not-operate-lightly warning."""

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="psychology_types",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=300, blank=True)
    needs_intervention = models.BooleanField(
        _("needs professional intervention"),
        default=False,
        help_text=_("Psychological support before and after treatment."),
    )
    operate_with_caution = models.BooleanField(
        _("do not operate lightly"),
        default=False,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("psychology type")
        verbose_name_plural = _("psychology types")
        ordering = ["organization", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="psychology_type_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="customers", verbose_name=_("organization")
    )
    code = models.CharField(_("customer code"), max_length=64)
    name = models.CharField(_("name"), max_length=100, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_is_lunar = models.BooleanField(_("lunar birthday"), default=False)
    mobile = models.CharField(
        _("mobile"), max_length=20, blank=True, help_text=_("Normalized, E.164 form.")
    )
    phone_last4 = models.GeneratedField(
        expression=Right("mobile", 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        verbose_name=_("last 4 digits"),
    )
    phone_status = models.CharField(
        _("phone status"), max_length=10, choices=PhoneStatus.choices, default=PhoneStatus.UNKNOWN
    )
    mobile2 = models.CharField(
        _("second contact"),
        max_length=20,
        blank=True,
        db_default="",
        help_text=_("Normalized, E.164 form."),
    )
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True, db_default="")
    email = models.EmailField(_("email"), max_length=254, blank=True, db_default="")
    wechat_openid = models.CharField(
        _("WeChat recipient id"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_(
            "The service account's openid or the WeCom external contact id the WeChat "
            "messages go to (not the WeChat ID people type)."
        ),
    )
    address = models.CharField(_("address"), max_length=200, blank=True, db_default="")
    occupation = models.CharField(_("occupation"), max_length=64, blank=True, db_default="")
    occupation_group = models.CharField(
        _("occupation group"),
        max_length=16,
        choices=Occupation.choices,
        blank=True,
        db_default="",
        default="",
    )
    wedding_anniversary = models.DateField(_("wedding anniversary"), null=True, blank=True)
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True, db_default=""
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    referrer = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="referred",
        verbose_name=_("referred by"),
    )
    first_visit = models.DateField(_("first visit"), null=True, blank=True)
    last_visit = models.DateField(
        _("last visit"),
        null=True,
        blank=True,
        help_text=_("Date of the latest paid order line; kept up to date by order imports."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    home_store = models.ForeignKey(
        Store,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("home store"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    tier = models.CharField(
        _("tier"),
        max_length=4,
        choices=Tier.choices,
        blank=True,
        help_text=_("Changes through approved upgrades and rule-based downgrades."),
    )
    tier_changed_on = models.DateField(_("tier changed on"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    is_dispute = models.BooleanField(_("dispute"), default=False)
    is_blacklisted = models.BooleanField(_("blacklisted"), default=False)
    blacklist_reason = models.CharField(_("dispute / blacklist reason"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    potential_needs = models.TextField(_("potential needs"), blank=True)
    care_focus = models.TextField(_("care focus"), blank=True, db_default="")
    # Health data: read only by the roles in revisit.core.access.HEALTH_ROLES.
    health_notes = models.TextField(_("skin and health notes"), blank=True, db_default="")
    allergies = models.TextField(_("allergies"), blank=True, db_default="")
    medical_history = models.TextField(_("medical history"), blank=True, db_default="")
    psychology_type = models.ForeignKey(
        PsychologyType,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("psychology type"),
    )
    risk_flags = models.JSONField(_("risk flags"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="customer_code_per_org")
        ]
        indexes = [
            models.Index(fields=["organization", "mobile"]),
            # Name searches are ranges on the name, in page order (name, then code).
            models.Index(fields=["organization", "name", "code"]),
            models.Index(fields=["organization", "phone_last4"]),
            # A last-visit filter pages by (last visit, id), newest first: with the id in
            # the index PostgreSQL reads a page in order instead of sorting a whole day's
            # customers (SQLite's indexes end in the rowid anyway).
            models.Index(fields=["organization", "last_visit", "id"]),
            # No index on tier or tier_changed_on: an inventory sets them on every
            # customer, and on PostgreSQL an update touching no indexed column is HOT
            # (no new entry in any index) when the page has room (see the fillfactor
            # in migration 0006).
            # Owner and store come with the page order, so a filtered page is one range.
            models.Index(fields=["owner", "code"]),
            models.Index(fields=["home_store", "code"]),
            # A channel filter, alone or with a tag (probed per customer), walks its
            # customers in page order instead of every customer of the organization.
            # Channels are set when a card is registered, not by inventories or imports'
            # last-visit refresh, so updates stay HOT.
            models.Index(fields=["organization", "channel", "code"]),
        ]

    def __str__(self) -> str:
        return f"{self.name or '—'} ({self.code})"

    def risk_flag_labels(self) -> list[str]:
        labels = dict(RiskFlag.choices)
        return [str(labels[f]) for f in self.risk_flags or [] if f in labels]


class MarketingConsent(models.Model):
    """A customer's yes or no to marketing on one channel, with when and where it was given."""

    class Channel(models.TextChoices):
        CALL = "call", _("Phone call")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("Email")

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded at"))
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("marketing consent")
        verbose_name_plural = _("marketing consents")
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="consent_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_channel_display()}: {self.granted}"


class CustomerChange(models.Model):
    """One field of a customer's card changed: who, when, before and after (the card's
    field history). Values are kept as text; health fields are shown only to the roles
    that may read them."""

    class Kind(models.TextChoices):
        EDIT = "edit", _("Edit")
        CORRECTION = "correction", _("Correction")
        OWNER = "owner", _("Owner change")
        TAGS = "tags", _("Tags")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="changes", verbose_name=_("customer")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.EDIT)
    field = models.CharField(_("field"), max_length=40)
    before = models.TextField(_("before"), blank=True)
    after = models.TextField(_("after"), blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("card change")
        verbose_name_plural = _("card changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}"


class CustomerNote(models.Model):
    """A note written on the customer's page (the timeline shows it)."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="card_notes", verbose_name=_("customer")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("customer note")
        verbose_name_plural = _("customer notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.created_at:%Y-%m-%d}"
