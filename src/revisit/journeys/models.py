"""Timed journeys as data: a trigger (a purchase, a holiday, a birthday …) and its rows
of actions per tier and membership (send a template, schedule a call, give the store a
task); the record of each firing, so a tick run twice does nothing twice; and the
store's tasks (hand over a gift, mail a card, answer a problem raised on a call)."""

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer
from revisit.engine import journey_plan as plan
from revisit.messaging.models import MessageTemplate


class Trigger(models.TextChoices):
    PURCHASE = plan.PURCHASE, _("After a purchase")
    CARD_PICKUP = plan.CARD_PICKUP, _("After the purchase that made a formal member")
    HOLIDAY = plan.HOLIDAY, _("Holiday")
    BIRTHDAY = plan.BIRTHDAY, _("Birthday")
    WEDDING = plan.WEDDING, _("Wedding anniversary")
    MEMBERSHIP = plan.MEMBERSHIP, _("Membership anniversary")
    NEW_SEASON = plan.NEW_SEASON, _("New season")
    EVENT = plan.EVENT, _("Store event")


class Holiday(models.TextChoices):
    NONE = "", _("—")
    NEW_YEAR = "new_year", _("New Year's Day")
    SPRING = "spring", _("Spring Festival")
    VALENTINE = "valentine", _("Valentine's Day")
    LABOUR = "labour", _("Labour Day")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival")
    FATHER = "father", _("Father's Day")
    ARMY = "army", _("Army Day (soldiers)")
    TEACHER = "teacher", _("Teachers' Day (teachers)")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival")
    NATIONAL = "national", _("National Day")
    CHRISTMAS = "christmas", _("Christmas")


class Membership(models.TextChoices):
    ANY = "any", _("Members and non-members")
    MEMBER = "member", _("Members")
    NON_MEMBER = "non_member", _("Non-members")


class ActionKind(models.TextChoices):
    SEND = "send", _("Send a message")
    CALL = "call", _("Call her (call list)")
    STORE_TASK = "store_task", _("Task for the store")


TIER_CHOICES = [("", _("Every tier")), ("SVIP", "SVIP"), ("A", "A"), ("B", "B"), ("C", "C")]


class Journey(models.Model):
    """One timed touch: when it fires (the trigger and `days` after a purchase, or
    before a date) and at what time its messages are due."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="journeys", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=60)
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    holiday = models.CharField(
        _("holiday"), max_length=12, choices=Holiday.choices, blank=True, default=""
    )
    days = models.PositiveSmallIntegerField(
        _("days"),
        default=0,
        help_text=_(
            "After a purchase: days after it. Otherwise: days before the date (0: on the day)."
        ),
    )
    event_on = models.DateField(_("event date"), null=True, blank=True)
    season_days = models.CharField(
        _("season start dates"),
        max_length=60,
        blank=True,
        default="",
        help_text=_("Month-day, separated by commas, e.g. 03-01,06-01,09-01,12-01"),
    )
    send_at = models.TimeField(_("messages due at"), default=time(10, 0))
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="journey_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class JourneyAction(models.Model):
    """What a journey does for the customers of one tier and membership."""

    journey = models.ForeignKey(
        Journey, models.CASCADE, related_name="actions", verbose_name=_("journey")
    )
    tier = models.CharField(_("tier"), max_length=4, choices=TIER_CHOICES, blank=True, default="")
    membership = models.CharField(
        _("membership"), max_length=10, choices=Membership.choices, default=Membership.ANY
    )
    kind = models.CharField(_("action"), max_length=10, choices=ActionKind.choices)
    template = models.ForeignKey(
        MessageTemplate,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message template"),
    )
    task = models.CharField(
        _("task"), max_length=100, blank=True, default="", help_text=_("e.g. hand over a gift")
    )
    due_days = models.PositiveSmallIntegerField(_("task due after days"), default=0)

    class Meta:
        verbose_name = _("journey action")
        verbose_name_plural = _("journey actions")
        ordering = ["journey", "id"]

    def __str__(self) -> str:
        return f"{self.journey} · {self.get_kind_display()}"


class JourneyFiring(models.Model):
    """A journey fired for a customer for one occurrence (a purchase day, this year's
    holiday or birthday): the unique key makes a second tick do nothing."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    journey = models.ForeignKey(
        Journey, models.CASCADE, related_name="firings", verbose_name=_("journey")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="journey_firings", verbose_name=_("customer")
    )
    occurs_on = models.DateField(_("trigger date"))
    fired_on = models.DateField(_("fired on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journey firing")
        verbose_name_plural = _("journey firings")
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "customer", "occurs_on"], name="journey_fires_once"
            )
        ]
        indexes = [models.Index(fields=["organization", "fired_on"])]

    def __str__(self) -> str:
        return f"{self.journey} {self.occurs_on}"


class StoreTask(models.Model):
    """Something the store does for a customer by a date: hand over a gift, mail a card,
    answer a problem she raised on a call."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="store_tasks", verbose_name=_("customer")
    )
    store = models.ForeignKey(
        Store, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    journey = models.ForeignKey(
        Journey, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("journey")
    )
    followup = models.OneToOneField(
        "outreach.FollowUp",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised on the call"),
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("store task")
        verbose_name_plural = _("store tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["organization", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.due_on} {self.title}"
