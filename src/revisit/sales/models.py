"""What customers pay for: the item catalog, orders and their lines."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer


class PriceLevel(models.TextChoices):
    LOW = "low", _("Low")
    MID = "mid", _("Mid")
    HIGH = "high", _("High")


class Item(models.Model):
    """A service or product in the catalog."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="items", verbose_name=_("organization")
    )
    code = models.CharField(_("item code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    list_price = models.DecimalField(
        _("list price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_level = models.CharField(
        _("price level"), max_length=10, choices=PriceLevel.choices, blank=True
    )
    is_promo = models.BooleanField(_("promotional item"), default=False)
    is_expert = models.BooleanField(_("expert item"), default=False)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["organization", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="item_code_per_org")
        ]
        indexes = [models.Index(fields=["organization", "name"])]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    # No index of its own on organization or customer: the unique (organization, order
    # number) and the (customer, date) index lead with them. Every index is written on
    # every imported order, inside the import's write transaction.
    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="orders",
        verbose_name=_("organization"),
        db_index=False,
    )
    order_no = models.CharField(
        _("order number"),
        max_length=64,
        help_text=_("From the source system; derived from the content when a file has none."),
    )
    customer = models.ForeignKey(
        Customer,
        models.PROTECT,
        related_name="orders",
        verbose_name=_("customer"),
        db_index=False,
    )
    store = models.ForeignKey(
        Store, models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("store")
    )
    order_date = models.DateField(_("order date"))
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="consulted_orders",
        verbose_name=_("consultant"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "order_no"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "order_no"], name="order_no_per_org")
        ]
        indexes = [models.Index(fields=["customer", "order_date"])]

    def __str__(self) -> str:
        return self.order_no


class OrderLine(models.Model):
    """One item on an order. A refund is a line with a negative amount.

    Customer, organization and date repeat the order's so that grading can read lines
    without a join (services keep them in step).
    """

    # No index of its own on order or organization: the unique (order, line) and the
    # (organization, customer, date, amount) index lead with them (fewer indexes to
    # write per imported line, inside the import's write transaction).
    order = models.ForeignKey(
        Order, models.CASCADE, related_name="lines", verbose_name=_("order"), db_index=False
    )
    line_no = models.PositiveIntegerField(_("line"))
    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="order_lines", verbose_name=_("customer")
    )
    order_date = models.DateField(_("order date"))
    item = models.ForeignKey(
        Item, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("item")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=1)
    amount = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("practitioner"),
    )
    is_promo = models.BooleanField(_("promotional price"), default=False)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_no_unique")
        ]
        # Covering: an inventory reads (customer, date, amount) of one organization
        # from the index alone, already clustered by customer.
        indexes = [models.Index(fields=["organization", "customer", "order_date", "amount"])]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no}"
