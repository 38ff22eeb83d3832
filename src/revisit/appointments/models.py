"""Appointments: a booked time at a store, and whether the customer came."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer
from revisit.sales.models import Order


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        ARRIVED = "arrived", _("Arrived")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

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
    starts_at = models.DateTimeField(_("time"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    orders = models.ManyToManyField(
        Order, blank=True, related_name="appointments", verbose_name=_("orders")
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["organization", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.customer}"
