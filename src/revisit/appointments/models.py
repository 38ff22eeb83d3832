"""The desk's records: appointments (a booked time at a store and what became of it),
rooms, the practitioners' weekly roster and leave, consultations, and the desk settings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item, Order

MAX_DURATION_MINUTES = 12 * 60  # one appointment never takes longer than a long day
MIN_DURATION_MINUTES = 5


class Room(models.Model):
    """A room or chair of a store (诊室 / 床位): a store setting."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    store = models.ForeignKey(Store, models.CASCADE, related_name="rooms", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["store", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="room_name_per_store")
        ]

    def __str__(self) -> str:
        return self.name


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        ARRIVED = "arrived", _("Arrived")
        IN_TREATMENT = "in_treatment", _("In treatment")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        CALL_TASK = "call_task", _("Call task")
        DESK = "desk", _("Front desk")
        WALK_IN = "walk_in", _("Walk-in")
        SELF_SERVICE = "self_service", _("Self-service")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="appointments", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="appointments", verbose_name=_("customer")
    )
    store = models.ForeignKey(
        Store,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("store"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("booked by"),
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("practitioner"),
    )
    room = models.ForeignKey(
        Room,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("room"),
    )
    item = models.ForeignKey(
        Item, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("item")
    )
    starts_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=60,
        validators=[
            MinValueValidator(MIN_DURATION_MINUTES),
            MaxValueValidator(MAX_DURATION_MINUTES),
        ],
    )
    ends_at = models.DateTimeField(_("ends at"))
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.DESK
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving consultant"),
    )
    consultant_since = models.DateTimeField(_("consultant assigned at"), null=True, blank=True)
    treatment_started_at = models.DateTimeField(_("treatment started"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    treatment_note = models.TextField(_("treatment note"), blank=True)
    orders = models.ManyToManyField(
        Order, blank=True, related_name="appointments", verbose_name=_("orders")
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["organization", "starts_at"]),
            models.Index(fields=["store", "starts_at"]),
            models.Index(fields=["practitioner", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.customer}"


class Shift(models.Model):
    """One line of a practitioner's weekly roster (排班) at a store: a weekday and hours.
    An end at or before the start runs past midnight into the next day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    store = models.ForeignKey(Store, models.CASCADE, related_name="shifts", verbose_name=_("store"))
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="shifts",
        verbose_name=_("practitioner"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["store", "practitioner", "weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.ends <= self.starts


class Leave(models.Model):
    """A practitioner away (leave, training): no booking in [starts_at, ends_at)."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    store = models.ForeignKey(Store, models.CASCADE, related_name="+", verbose_name=_("store"))
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="leaves",
        verbose_name=_("practitioner"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.starts_at:%Y-%m-%d %H:%M}"


class NoDealReason(models.TextChoices):
    PRICE = "price", _("Price")
    TIME = "time", _("Time")
    EXPERT = "expert", _("Expert")
    COMPETITOR = "competitor", _("Competitor")
    OTHER = "other", _("Other")


class Consultation(models.Model):
    """A consultant's meeting with an arrived customer (接诊): what was discussed, the
    price quoted, and whether it ended in an order (成交) or why not (未成交)."""

    class Result(models.TextChoices):
        DEAL = "deal", _("Deal")
        NO_DEAL = "no_deal", _("No deal")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    store = models.ForeignKey(
        Store, models.PROTECT, related_name="consultations", verbose_name=_("store")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="consultations", verbose_name=_("customer")
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="consultations",
        verbose_name=_("consultant"),
    )
    appointment = models.ForeignKey(
        Appointment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("appointment"),
    )
    items = models.ManyToManyField(Item, blank=True, related_name="+", verbose_name=_("items"))
    topics = models.CharField(_("discussed"), max_length=300, blank=True)
    quoted_price = models.DecimalField(
        _("quoted price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    no_deal_reason = models.CharField(
        _("reason"), max_length=20, choices=NoDealReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    order = models.ForeignKey(
        Order,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("order"),
    )
    held_at = models.DateTimeField(_("time"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["organization", "held_at"])]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d %H:%M} {self.customer}"


class DeskSettings(models.Model):
    """The front desk's numbers: how long a customer may wait for her consultant before
    the desk proposes another, and whether the new one becomes her owner (开发人)."""

    class OwnerRule(models.TextChoices):
        MOVE = "move", _("The receiving consultant becomes the owner")
        KEEP = "keep", _("Keep the owner")

    organization = models.OneToOneField(
        Organization, models.CASCADE, related_name="desk_settings", verbose_name=_("organization")
    )
    wait_minutes = models.PositiveIntegerField(
        _("minutes of waiting before another consultant is proposed"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    owner_rule = models.CharField(
        _("owner when another consultant receives"),
        max_length=10,
        choices=OwnerRule.choices,
        default=OwnerRule.MOVE,
    )

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(self.organization)
