"""Whom to ask for a referral, and how: the golden window after a treatment (80% of
referrals come within a year of it: half in months 1-3, a third in months 4-11), the
precise approach for VIP, important and very satisfied customers and the broad one for
the rest, and the referrer's type with the suggested approach."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from revisit.customers.models import Customer, Satisfaction, Tier
from revisit.referrals.models import Lead

# Days after the last treatment: the key window, then the rest of the first year.
WINDOWS = {"1-3": (30, 92), "4-11": (93, 335)}
PRECISE_TIERS = (Tier.SVIP, Tier.A)


def golden_window(customers: QuerySet[Customer], *, today: date, window: str) -> QuerySet[Customer]:
    """`customers` (already scoped) whose last treatment was 1-3 or 4-11 months ago, the
    precise-approach ones first (SVIP and A, then the very satisfied), not blacklisted,
    not in a dispute, most recent treatment first."""
    low, high = WINDOWS[window]
    precise = Q(tier__in=PRECISE_TIERS) | Q(satisfaction=Satisfaction.VERY_SATISFIED)
    return (
        customers.filter(
            last_visit__lte=today - timedelta(days=low),
            last_visit__gte=today - timedelta(days=high),
            is_blacklisted=False,
            is_dispute=False,
        )
        .exclude(satisfaction=Satisfaction.DISSATISFIED)
        .annotate(
            precise=Case(
                When(precise, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("precise", "-last_visit", "pk")
    )


@dataclass(frozen=True)
class ReferrerType:
    code: str
    label: str
    approach: str


HAS_TARGET = ReferrerType(
    "referred_with_target",
    _("Has referred, has a target"),
    _(
        "Ask for the friend's number, WeChat, needed item, budget and arrival time; grade the lead and follow it up."
    ),
)
NO_TARGET = ReferrerType(
    "referred_no_target",
    _("Has referred, no target now"),
    _("Learn how she brought friends before; recommend new items she can pass on."),
)
NEVER = ReferrerType(
    "never_referred",
    _("Has not referred yet"),
    _("Help her think of someone; explain the departments' items and the referral benefits."),
)


def referrer_type(customer: Customer, leads=None) -> ReferrerType:
    """She has brought friends and one is still on the way (a target), has brought friends
    before but has nobody now, or has never referred anyone. `leads`: her leads when the
    caller has them already (the newest first is enough)."""
    if leads is None:
        leads = list(Lead.objects.filter(referrer=customer).only("arrived_at", "referrer_id"))
    mine = [lead for lead in leads if lead.referrer_id == customer.pk]
    if not mine:
        return NEVER
    if any(lead.arrived_at is None for lead in mine):
        return HAS_TARGET
    return NO_TARGET


def with_referral_history(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Annotate `has_referred`: whether she has brought anyone."""
    return customers.annotate(has_referred=Exists(Lead.objects.filter(referrer=OuterRef("pk"))))
