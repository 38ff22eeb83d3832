"""The referral channel's figures for a period: registered, arrived, counted as referrals,
deals and their revenue, rewards awaiting approval, and the rebate usage rate."""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from revisit.referrals.models import Lead, Reward, RewardKind, RewardStatus
from revisit.sales.models import OrderLine
from revisit.wallet.models import Entry, EntryKind


def channel_figures(leads: QuerySet[Lead], *, since: date, until: date | None = None) -> dict:
    """Figures of `leads` (already scoped) from `since` on (to `until` when given):
    registered counts by the day of registration, the rest by the day of arrival. A deal
    is an arrived person with a paid order line from her arrival day on; revenue sums
    those lines."""
    if until is not None:
        leads = leads.filter(registered_at__date__lte=until)
    arrived = leads.filter(arrived_at__date__gte=since)
    if until is not None:
        arrived = arrived.filter(arrived_at__date__lte=until)
    paid = OrderLine.objects.filter(
        customer_id=OuterRef("customer_id"),
        amount__gt=0,
        order_date__gte=OuterRef("arrived_at__date"),
    )
    figures = {
        "registered": leads.filter(registered_at__date__gte=since).count(),
        **arrived.aggregate(
            arrived=Count("pk"), referral=Count("pk", filter=Q(attribution="referral"))
        ),
    }
    dealt = arrived.filter(Exists(paid))
    figures["deals"] = dealt.count()
    figures["revenue"] = OrderLine.objects.filter(
        customer_id__in=dealt.values("customer_id"), amount__gt=0
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    # Points are not yuan: counted among the rewards waiting, not in their amount.
    pending = Reward.objects.filter(lead__in=leads, status=RewardStatus.PROPOSED).aggregate(
        count=Count("pk"), amount=Sum("amount", filter=~Q(kind=RewardKind.POINTS))
    )
    figures["pending_rewards"] = pending["count"]
    figures["pending_amount"] = pending["amount"] or Decimal(0)
    figures["rebate_usage"] = rebate_usage(leads)
    return figures


def rebate_usage(leads: QuerySet[Lead]) -> Decimal | None:
    """The share of approved referral rebates that has been spent (the seed saw 25%):
    what the rebated customers spent from their credit over what they were granted,
    capped at 1. None when no rebate was granted."""
    granted = Reward.objects.filter(
        lead__in=leads, kind=RewardKind.REBATE, status=RewardStatus.APPROVED
    )
    total = granted.aggregate(total=Sum("amount"))["total"]
    if not total:
        return None
    accounts = granted.exclude(entry=None).values("entry__account_id")
    spent = -(
        Entry.objects.filter(account_id__in=accounts, kind=EntryKind.SPEND).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    return min(Decimal(1), Decimal(spent) / total)
