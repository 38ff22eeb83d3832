"""One row per referred person, for the page's download and `revisit referrals export`."""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from revisit.core.clock import local_date
from revisit.referrals.models import Lead, RewardKind, RewardSide, RewardStatus

HEADER = [
    _("Referred person"),
    _("Mobile"),
    _("Referrer code"),
    _("Customer code"),
    _("Intention level"),
    _("Registered on"),
    _("Arrived on"),
    _("Attribution"),
    _("Rule applied"),
    _("Referrer's rebate"),
    _("New customer's rebate"),
]
PHONE_COLUMN = 1


def lead_rows(leads: QuerySet[Lead]) -> Iterator[list]:
    """The rows of `leads` (already scoped by the caller): the attribution as its code
    (`referral`, `walk_in` or the original channel's) so files can be compared and
    re-imported, the rebates proposed or approved (rejected ones are not owed)."""
    leads = leads.select_related("organization", "referrer", "customer").prefetch_related("rewards")
    for lead in leads.order_by("registered_at", "pk").iterator(chunk_size=2000):
        owed = {
            r.side: r.amount
            for r in lead.rewards.all()
            if r.kind == RewardKind.REBATE and r.status != RewardStatus.REJECTED
        }
        yield [
            lead.name,
            lead.mobile,
            lead.referrer.code,
            lead.customer.code if lead.customer else "",
            lead.intention,
            local_date(lead.organization, lead.registered_at).isoformat(),
            local_date(lead.organization, lead.arrived_at).isoformat() if lead.arrived_at else "",
            lead.attribution,
            lead.rule,
            owed.get(RewardSide.REFERRER, Decimal(0)),
            owed.get(RewardSide.REFEREE, Decimal(0)),
        ]
