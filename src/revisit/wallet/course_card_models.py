"""Course-card (疗程卡) settings: which catalogue items are sold as course cards, and the
organization's numbers for the call list of unused or soon-expiring sessions. The cards
themselves are ledger accounts of kind `course_card` (revisit.wallet.models.Account)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Organization
from revisit.sales.models import Item

MAX_SESSIONS = 1000  # no card holds more; a larger number is a typing mistake

# Seed 000, script 2: "您在系统里还有一个 XX 项目没有做…因为权限就要到期了".
COURSE_CARD_SCRIPT = (
    "您好，请问是{surname}{honorific}吗？我是{org}您的美丽顾问{staff}。\n"
    "我们在整理系统的时候发现您还有{expiring_item}{sessions_left}次没有做，"
    "有效期到{card_expiry}，快要到期了，打电话提醒您一下。\n"
    "帮您预约一个时间过来做，您看哪天方便？"
)


class CourseCardProduct(models.Model):
    """A catalogue item sold as a course card: an order line of this item (paid) opens a
    card of `sessions` sessions (times the quantity) of `covers_item` or of any item of
    `covers_category`, valid `valid_days` from the order date."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    item = models.OneToOneField(
        Item,
        models.CASCADE,
        related_name="course_card_product",
        verbose_name=_("item sold as a course card"),
    )
    sessions = models.PositiveIntegerField(
        _("sessions"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)]
    )
    covers_item = models.ForeignKey(
        Item,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sessions of item"),
    )
    covers_category = models.CharField(
        _("sessions of any item of category"), max_length=100, blank=True
    )
    valid_days = models.PositiveIntegerField(
        _("valid for days"), default=365, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )

    class Meta:
        verbose_name = _("course card product")
        verbose_name_plural = _("course card products")
        ordering = ["organization", "item"]

    def __str__(self) -> str:
        return str(self.item)


class CourseCardSettings(models.Model):
    """An organization's course-card call list: who is called, and what is said."""

    organization = models.OneToOneField(
        Organization,
        models.CASCADE,
        related_name="course_card_settings",
        verbose_name=_("organization"),
    )
    expiry_days = models.PositiveIntegerField(
        _("call when a card expires within days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    unused_days = models.PositiveIntegerField(
        _("call when no session was used for days"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
    )
    script = models.TextField(_("call script"), blank=True, default=COURSE_CARD_SCRIPT)

    class Meta:
        verbose_name = _("course card settings")
        verbose_name_plural = _("course card settings")

    def __str__(self) -> str:
        return str(self.organization)
