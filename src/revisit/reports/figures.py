"""The figures of the monthly revisit report: a store's contacts of the month by type and
tier, and how the points of the customers contacted grew (the wallet's points ledger).

Figures are plain JSON (codes and numbers, amounts as text), so a submitted report keeps
them as they were; labels are put on when shown."""

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from revisit.core.clock import day_bounds
from revisit.customers.models import Tier
from revisit.messaging.models import Message
from revisit.outreach.models import FollowUp
from revisit.wallet.models import AccountKind, Entry

TIERS = [*Tier.values, ""]  # "" is a customer without a tier
# A customer contacted this often in the month whose points did not grow is one the seed
# moves to the quarterly touch (多次回访后积分没有任何增长).
REPEAT_CONTACTS = 3


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def month_bounds(organization, month: date):
    start, _ = day_bounds(organization, month)
    end, _ = day_bounds(organization, next_month(month))
    return start, end


def store_figures(store, month: date) -> dict:
    """The month's figures of `store` (its customers are those whose home store it is)."""
    organization = store.organization
    start, end = month_bounds(organization, month)
    followups = FollowUp.objects.filter(
        organization=organization,
        contacted_at__gte=start,
        contacted_at__lt=end,
        customer__home_store=store,
    )
    messages = Message.objects.filter(
        organization=organization,
        status=Message.Status.SENT,
        sent_at__gte=start,
        sent_at__lt=end,
        customer__home_store=store,
    )
    rows: dict[tuple[str, str], dict] = {}
    for kind, query in (("followup", followups), ("message", messages)):
        counted = query.values_list("channel", "customer__tier").annotate(n=Count("pk"))
        for channel, tier, n in counted.order_by():
            row = rows.setdefault(
                (kind, channel),
                {"kind": kind, "channel": channel, "tiers": dict.fromkeys(TIERS, 0), "total": 0},
            )
            row["tiers"][tier or ""] = row["tiers"].get(tier or "", 0) + n
            row["total"] += n
    contacts = sorted(rows.values(), key=lambda r: (r["kind"], r["channel"]))
    contact_counts: dict[int, int] = defaultdict(int)
    tiers: dict[int, str] = {}
    for query in (followups, messages):
        for customer_id, tier, n in (
            query.values_list("customer_id", "customer__tier").annotate(n=Count("pk")).order_by()
        ):
            contact_counts[customer_id] += n
            tiers[customer_id] = tier or ""
    by_tier = dict.fromkeys(TIERS, 0)
    for tier in tiers.values():
        by_tier[tier] = by_tier.get(tier, 0) + 1
    points = _points_growth(organization, list(contact_counts), contact_counts, start, end)
    return {
        "month": month.isoformat(),
        "store": store.pk,
        "contacts": contacts,
        "contacts_total": sum(r["total"] for r in contacts),
        "contacted": {"customers": len(contact_counts), "by_tier": by_tier},
        "points": points,
    }


def _points_growth(organization, customer_ids, contact_counts, start, end) -> dict:
    """Points movements in the month of the contacted customers: earned (every positive
    entry), net change, and who grew; those contacted REPEAT_CONTACTS times or more
    without growth are counted apart."""
    net: dict[int, Decimal] = {}
    earned_total = Decimal(0)
    net_total = Decimal(0)
    for chunk_start in range(0, len(customer_ids), 5000):
        chunk = customer_ids[chunk_start : chunk_start + 5000]
        rows = (
            Entry.objects.filter(
                organization=organization,
                account__kind=AccountKind.POINTS,
                account__customer_id__in=chunk,
                created_at__gte=start,
                created_at__lt=end,
            )
            .values_list("account__customer_id")
            .annotate(
                earned=Sum("amount", filter=Q(amount__gt=0)),
                change=Sum("amount"),
            )
            .order_by()
        )
        for customer_id, earned, change in rows:
            net[customer_id] = change or Decimal(0)
            earned_total += earned or Decimal(0)
            net_total += change or Decimal(0)
    grew = {pk for pk, change in net.items() if change > 0}
    stuck = sum(1 for pk, n in contact_counts.items() if n >= REPEAT_CONTACTS and pk not in grew)
    return {
        "customers": len(customer_ids),
        "grew": len(grew),
        "earned": str(earned_total.quantize(Decimal(1))),
        "net": str(net_total.quantize(Decimal(1))),
        "no_growth_repeat": stuck,
    }


def region_figures(stores, month: date, reports: dict) -> dict:
    """Each store's figures and report status, and the region's totals."""
    rows = []
    totals = {"contacts_total": 0, "customers": 0, "grew": 0, "earned": Decimal(0)}
    for store in stores:
        report = reports.get(store.pk)
        figures = report.figures if report is not None and report.figures else None
        figures = figures or store_figures(store, month)
        rows.append(
            {
                "store": store.pk,
                "status": report.status if report is not None else "",
                "contacts_total": figures["contacts_total"],
                "customers": figures["contacted"]["customers"],
                "grew": figures["points"]["grew"],
                "earned": figures["points"]["earned"],
                "no_growth_repeat": figures["points"]["no_growth_repeat"],
            }
        )
        totals["contacts_total"] += figures["contacts_total"]
        totals["customers"] += figures["contacted"]["customers"]
        totals["grew"] += figures["points"]["grew"]
        totals["earned"] += Decimal(figures["points"]["earned"])
    totals["earned"] = str(totals["earned"])
    return {"month": month.isoformat(), "stores": rows, "totals": totals}
