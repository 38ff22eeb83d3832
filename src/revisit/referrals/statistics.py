"""The referral channel's statistics for a month: by product, by the referrer's tier
(the seed's star levels), the channel's share of revenue against its target, the time
from the referrer's last treatment to the referral (to check the golden window on the
clinic's own data), and the deviation from the month's targets: per day, and per staff
member, customer group (the referrer's value tier, the seed's star levels) and product."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from revisit.appointments.models import Appointment
from revisit.core.access import visible_leads, visible_order_lines
from revisit.core.clock import local_date
from revisit.core.models import Staff
from revisit.core.money import round_money
from revisit.customers.models import Tier
from revisit.referrals.kpis import TENTH, Month, arrivals_with_revenue, staff_kpis
from revisit.referrals.models import Attribution, Lead
from revisit.referrals.policy import referral_settings
from revisit.sales.models import OrderLine

NOT_GIVEN = _("Not given")
NO_TIER = _("Not graded")
ITEM_SEPARATORS = re.compile(r"[、,，;；/\s]+")
# Days from the referrer's last treatment to the referral, as the seed counts months.
TIMING_BUCKETS = [
    ("0", _("Within a month"), 0, 29),
    ("1-3", _("Months 1-3"), 30, 92),
    ("4-11", _("Months 4-11"), 93, 335),
    ("12+", _("A year or more"), 336, None),
]


def tier_label(tier: str) -> str:
    """A referrer's value tier as the tables show it (未分级 when she has none)."""
    return str(Tier(tier).label) if tier in Tier.values else str(NO_TIER)


def in_tier_order(rows: list, label) -> list:
    """`rows` in tier order (SVIP first), the ungraded last; `label(row)` is its tier's."""
    order = [str(choice.label) for choice in Tier] + [str(NO_TIER)]
    return sorted(rows, key=lambda row: order.index(label(row)) if label(row) in order else 99)


def share(part, whole) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)) if whole else None


def _first_items(customer_ids: list[int]) -> dict[int, str]:
    """Per customer: the item (its category, else its name) of the largest line of her
    first order."""
    out: dict[int, str] = {}
    for i in range(0, len(customer_ids), 500):
        rows = (
            OrderLine.objects.filter(customer_id__in=customer_ids[i : i + 500])
            .order_by("customer_id", "order_date", "order_id", "-amount", "pk")
            .values_list("customer_id", "item__category", "item__name")
        )
        for customer, category, name in rows:
            if customer not in out:
                out[customer] = category or name or ""
    return out


def lead_product(lead: Lead, first_items: dict[int, str]) -> str:
    """The product a lead counts for: her first order's item once she has one, else the
    first item she needed."""
    bought = first_items.get(lead.customer_id) if lead.customer_id else ""
    if bought:
        return bought
    needed = [part for part in ITEM_SEPARATORS.split(lead.items or "") if part]
    return needed[0] if needed else str(NOT_GIVEN)


@dataclass
class Row:
    """One line of a statistics table."""

    label: str
    booked: int = 0  # by product: leads with an appointment in the month (预约量)
    registered: int = 0
    arrived: int = 0
    deals: int = 0
    revenue: Decimal = Decimal(0)
    arrived_share: Decimal | None = None
    revenue_share: Decimal | None = None


def _finish(rows: dict[str, Row]) -> list[Row]:
    arrived = sum(r.arrived for r in rows.values())
    revenue = sum((r.revenue for r in rows.values()), Decimal(0))
    for row in rows.values():
        row.revenue = round_money(row.revenue)
        row.arrived_share = share(row.arrived, arrived)
        row.revenue_share = share(row.revenue, revenue)
    return sorted(rows.values(), key=lambda r: (-r.revenue, -r.arrived, -r.registered, r.label))


class Referred(NamedTuple):
    """The people of `leads` who registered in a month, and those who arrived in it with
    what they paid (`arrivals_with_revenue`): read once for the tables that count them."""

    registered: list[Lead]
    arrived: list[tuple[Lead, Decimal]]


def referred_in(leads: QuerySet[Lead], month: Month) -> Referred:
    leads = leads.select_related("referrer")
    registered = list(leads.filter(registered_at__gte=month.start, registered_at__lt=month.end))
    return Referred(registered, arrivals_with_revenue(leads, month))


def by_product(leads: QuerySet[Lead], month: Month, referred: Referred | None = None) -> list[Row]:
    """Per product: booked (预约: an appointment in the month, not cancelled), registered
    (建档), arrived (来院), deals (成交), revenue (业绩) in the month, and each product's
    share of the arrivals and of the revenue. `referred`: `referred_in(leads, month)`,
    when the caller has it already."""
    registered, arrived = referred or referred_in(leads, month)
    customers = {lead.customer_id for lead in registered if lead.customer_id}
    customers |= {lead.customer_id for lead, _paid in arrived if lead.customer_id}
    items = _first_items(sorted(customers))
    rows: dict[str, Row] = {}
    for lead in registered:
        label = lead_product(lead, items)
        rows.setdefault(label, Row(label)).registered += 1
    for lead in _booked(leads, month):
        label = lead_product(lead, items)
        rows.setdefault(label, Row(label)).booked += 1
    for lead, paid in arrived:
        row = rows.setdefault(lead_product(lead, items), Row(lead_product(lead, items)))
        row.arrived += 1
        row.deals += paid > 0
        row.revenue += paid
    return _finish(rows)


def _booked(leads: QuerySet[Lead], month: Month) -> list[Lead]:
    """The leads whose customer has an appointment starting in the month, not cancelled."""
    booked = Appointment.objects.filter(
        customer_id=OuterRef("customer_id"),
        starts_at__gte=month.start,
        starts_at__lt=month.end,
    ).exclude(status=Appointment.Status.CANCELLED)
    return list(
        leads.filter(customer__isnull=False).filter(Exists(booked)).only("customer_id", "items")
    )


def by_referrer_tier(
    leads: QuerySet[Lead], month: Month, referred: Referred | None = None
) -> list[Row]:
    """Per referrer tier (the seed's star levels): the people referred (arrived in the
    month), deals, revenue and their shares. `referred`: as for `by_product`."""
    if referred is not None:
        arrived = referred.arrived
    else:  # the arrivals alone
        arrived = arrivals_with_revenue(leads.select_related("referrer"), month)
    rows: dict[str, Row] = {tier_label(t): Row(tier_label(t)) for t in Tier.values}
    for lead, paid in arrived:
        label = tier_label(lead.referrer.tier)
        row = rows.setdefault(label, Row(label))
        row.arrived += 1
        row.deals += paid > 0
        row.revenue += paid
    return in_tier_order(_finish(rows), lambda r: r.label)


def channel_share(viewer: Staff, month: Month) -> dict:
    """The referral channel's revenue in the month (what the customers counted as
    referrals paid from their arrival on) over all revenue of `viewer`'s scope, with the
    target share."""
    total = visible_order_lines(viewer).filter(
        order_date__gte=month.first, order_date__lte=month.last, amount__gt=0
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    referred = visible_leads(viewer).filter(
        attribution=Attribution.REFERRAL, customer__isnull=False, arrived_at__lt=month.end
    )
    since = {
        lead.customer_id: max(local_date(lead.organization, lead.arrived_at), month.first)
        for lead in referred.select_related("organization").iterator(chunk_size=2000)
    }
    revenue = Decimal(0)
    ids = sorted(since)
    for i in range(0, len(ids), 500):
        rows = OrderLine.objects.filter(
            customer_id__in=ids[i : i + 500],
            amount__gt=0,
            order_date__gte=month.first,
            order_date__lte=month.last,
        ).values_list("customer_id", "order_date", "amount")
        revenue += sum((a for c, d, a in rows if d >= since[c]), Decimal(0))
    target = referral_settings(viewer.organization).revenue_share_target
    actual = share(revenue, total)
    return {
        "revenue": round_money(revenue),
        "total": round_money(total),
        "share": actual,
        "target": target,
        "met": actual is not None and actual >= target,
    }


def referral_timing(leads: QuerySet[Lead], month: Month) -> list[dict]:
    """How long after her last treatment (paid order line before the registration day)
    each referrer made the referrals registered in the month, in the seed's buckets, with
    the referrals of referrers without an earlier treatment apart."""
    last = (
        OrderLine.objects.filter(customer_id=OuterRef("referrer_id"), amount__gt=0)
        .filter(order_date__lt=OuterRef("registered_at__date"))
        .values("customer_id")
        .annotate(last=Max("order_date"))
        .values("last")
    )
    rows = (
        leads.filter(registered_at__gte=month.start, registered_at__lt=month.end)
        .annotate(last_treatment=Subquery(last))
        .select_related("organization")
    )
    counts: dict[str, int] = defaultdict(int)
    for lead in rows.iterator(chunk_size=2000):
        if lead.last_treatment is None:
            counts["none"] += 1
            continue
        days = (local_date(lead.organization, lead.registered_at) - lead.last_treatment).days
        for key, _label, low, high in TIMING_BUCKETS:
            if days >= low and (high is None or days <= high):
                counts[key] += 1
                break
    total = sum(counts.values())
    out = [
        {"key": key, "label": label, "count": counts[key], "share": share(counts[key], total)}
        for key, label, _low, _high in TIMING_BUCKETS
    ]
    out.append(
        {
            "key": "none",
            "label": _("No earlier treatment"),
            "count": counts["none"],
            "share": share(counts["none"], total),
        }
    )
    return out


def daily_deviation(
    viewer: Staff, month: Month, *, person: Staff | None = None, kpis: list | None = None
) -> list[dict]:
    """Per day of the month: the day's share of the month's targets (the sum of the staff
    targets `viewer` reads, or `person`'s alone, spread evenly), what happened, the
    difference, and the same accumulated from the first of the month. `kpis`: the
    month's `staff_kpis` of `viewer` when the caller has them already."""
    if kpis is None:
        kpis = staff_kpis(viewer, month=month)
    leads = visible_leads(viewer)
    if person is not None:
        kpis = [k for k in kpis if k.staff == person]
        leads = leads.filter(registered_by=person)
    metrics = ("registrations", "arrivals", "deals", "revenue")
    monthly = {m: sum((k.targets.get(m, Decimal(0)) for k in kpis), Decimal(0)) for m in metrics}
    actual: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for lead in (
        leads.filter(registered_at__gte=month.start, registered_at__lt=month.end)
        .select_related("organization")
        .only("registered_at", "organization__timezone")
    ):
        actual[local_date(lead.organization, lead.registered_at)]["registrations"] += 1
    for lead, paid in arrivals_with_revenue(leads, month):
        day = actual[local_date(lead.organization, lead.arrived_at)]
        day["arrivals"] += 1
        day["deals"] += paid > 0
        day["revenue"] += paid
    rows, running, planned = [], defaultdict(Decimal), defaultdict(Decimal)
    for number, day in enumerate(month.dates(), start=1):
        row = {"day": day}
        for metric in metrics:
            target = monthly[metric] / month.days
            done = actual[day][metric]
            running[metric] += done
            planned[metric] = monthly[metric] * number / month.days
            row[metric] = {
                "target": _rounded(target, metric),
                "actual": done,
                "deviation": _rounded(done - target, metric),
                "to_date": _rounded(running[metric] - planned[metric], metric),
            }
        rows.append(row)
    return rows


DEVIATION_METRICS = ("registrations", "arrivals", "deals", "revenue")
# The dimensions the seed monitors the deviation by (员工、时间、客户群体、产品); the time
# is `daily_deviation`.
DEVIATION_BY = ("staff", "groups", "products")


def _quantum(metric: str) -> Decimal:
    return Decimal("0.01") if metric == "revenue" else TENTH


def _rounded(value: Decimal, metric: str) -> Decimal:
    """`value` to the metric's precision, without a negative zero ("-0.0")."""
    return value.quantize(_quantum(metric)) + 0


def _served_shares(viewer: Staff, month: Month, by: str) -> dict[str, Decimal]:
    """Per customer group (her value tier) or product (category, else item name): its
    share of the customers `viewer` reads who paid for something in the month. The
    month's targets come from the customers served, so they split the same way."""
    lines = visible_order_lines(viewer).filter(
        order_date__gte=month.first, order_date__lte=month.last, amount__gt=0
    )
    served: dict[str, set[int]] = defaultdict(set)
    if by == "groups":
        rows = lines.values_list("customer_id", "customer__tier").distinct()
        for customer, tier in rows.iterator(chunk_size=5000):
            served[tier_label(tier)].add(customer)
    else:
        rows = lines.values_list("customer_id", "item__category", "item__name").distinct()
        for customer, category, name in rows.iterator(chunk_size=5000):
            served[category or name or str(NOT_GIVEN)].add(customer)
    total = sum(len(ids) for ids in served.values())
    return {label: Decimal(len(ids)) / total for label, ids in served.items()} if total else {}


def deviation_by(
    viewer: Staff,
    month: Month,
    by: str,
    *,
    as_of: date,
    kpis: list | None = None,
    referred: Referred | None = None,
) -> list[dict]:
    """The month's deviation per staff member (`by="staff"`), customer group (`"groups"`:
    the referrer's value tier) or product (`"products"`), as of the day `as_of`.

    Each row: its label and, per metric (registrations, arrivals, deals, revenue), the
    month's target, the target to date (the month's spread evenly over its days, up to
    `as_of`), what happened in the month so far and the deviation to date. A staff
    member's targets are her KPI targets; a group's or product's are the month's total
    (the sum of the staff targets `viewer` reads, as in `daily_deviation`) split by its
    share of the customers served in the month. What happened counts the referred
    people `viewer` reads: by the staff member who registered her, her referrer's tier,
    or her product (her first order's, else the first item she needed). `kpis` and
    `referred`: the month's `staff_kpis` of `viewer` and `referred_in` of her
    `visible_leads`, when the caller has them already (a page showing several
    dimensions reads them once)."""
    if by not in DEVIATION_BY:
        raise ValueError(f"unknown deviation dimension {by!r}")
    if kpis is None:
        kpis = staff_kpis(viewer, month=month)
    elapsed = min(max((as_of - month.first).days + 1, 0), month.days)
    targets: dict[str, dict[str, Decimal]] = {}
    actual: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    if by == "staff":
        for kpi in kpis:
            label = str(kpi.staff)
            targets[label] = {m: kpi.targets.get(m, Decimal(0)) for m in DEVIATION_METRICS}
            for metric in DEVIATION_METRICS:
                actual[label][metric] = Decimal(getattr(kpi, metric))
    else:
        monthly = {
            m: sum((k.targets.get(m, Decimal(0)) for k in kpis), Decimal(0))
            for m in DEVIATION_METRICS
        }
        for label, weight in _served_shares(viewer, month, by).items():
            targets[label] = {m: monthly[m] * weight for m in DEVIATION_METRICS}
        registered, arrived = referred or referred_in(visible_leads(viewer), month)
        items = {}
        if by == "products":
            customers = {lead.customer_id for lead in registered if lead.customer_id}
            customers |= {lead.customer_id for lead, _paid in arrived if lead.customer_id}
            items = _first_items(sorted(customers))

        def label_of(lead: Lead) -> str:
            if by == "products":
                return lead_product(lead, items)
            return tier_label(lead.referrer.tier)

        for lead in registered:
            actual[label_of(lead)]["registrations"] += 1
        for lead, paid in arrived:
            row = actual[label_of(lead)]
            row["arrivals"] += 1
            row["deals"] += paid > 0
            row["revenue"] += paid
    rows = []
    for label in set(targets) | set(actual):
        row = {"label": label}
        for metric in DEVIATION_METRICS:
            target = targets.get(label, {}).get(metric, Decimal(0))
            to_date = target * elapsed / month.days
            done = actual[label][metric]
            row[metric] = {
                "target": _rounded(target, metric),
                "to_date": _rounded(to_date, metric),
                "actual": round_money(done) if metric == "revenue" else int(done),
                "deviation": _rounded(done - to_date, metric),
            }
        rows.append(row)
    if by == "groups":
        return in_tier_order(rows, lambda r: r["label"])
    return sorted(
        rows, key=lambda r: (-r["revenue"]["target"], -r["registrations"]["target"], r["label"])
    )


def previous_months(today: date, count: int = 12) -> list[date]:
    """The first days of the last `count` months, this one first (the page's choices)."""
    firsts, day = [], today.replace(day=1)
    for _i in range(count):
        firsts.append(day)
        day = (day - timedelta(days=1)).replace(day=1)
    return firsts
