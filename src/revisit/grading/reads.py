"""Read-side views of inventories: the tables pages, exports and the command line show."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.models import Organization, Staff, Store
from revisit.engine import explain_segment
from revisit.grading.models import Grade, Inventory, Segment, TierChange

SEGMENT_CODES = [s.value for s in Segment]


def current_inventory(organization: Organization | int, *, on: date | None = None):
    """The inventory that drives pages, segments and call lists: the latest published
    one (as of `on` or earlier when given). Drafts (what-if runs) never do. None when
    the organization has no published inventory."""
    return _published(organization, on).first()


def current_inventory_id(organization: Organization | int) -> Subquery:
    """current_inventory's id as a subquery, for a query that needs only its grades (one
    query instead of two; no grade matches when there is none)."""
    return Subquery(_published(organization, None).values("pk")[:1])


def _published(organization: Organization | int, on: date | None) -> QuerySet[Inventory]:
    organization_id = getattr(organization, "pk", organization)
    published = Inventory.objects.filter(
        organization_id=organization_id, status=Inventory.Status.PUBLISHED
    )
    if on is not None:
        published = published.filter(as_of__lte=on)
    return published.order_by("-as_of", "-id")


def scoped_grades(inventory: Inventory, scope: QuerySet | None = None) -> QuerySet[Grade]:
    """The inventory's grades, limited to the customers in `scope` (a customer queryset
    from the access module) when one is given."""
    grades = inventory.grades.all()
    if scope is not None:
        grades = grades.filter(customer_id__in=scope.values("pk"))
    return grades


def segment_table(inventory: Inventory, scope: QuerySet | None = None) -> list[dict]:
    """One row per segment: code, label, count, share of all customers, mean R/F/M."""
    rows = {
        r["segment"]: r
        for r in scoped_grades(inventory, scope)
        .values("segment")
        .annotate(
            count=Count("id"),
            mean_recency=Avg("recency_days"),
            mean_frequency=Avg("frequency"),
            mean_monetary=Avg("monetary"),
        )
    }
    total = (
        inventory.customer_count if scope is None else sum(r["count"] for r in rows.values())
    ) or 1
    table = []
    for segment in Segment:
        r = rows.get(segment.value, {})
        count = r.get("count", 0)
        table.append(
            {
                "segment": segment.value,
                "label": segment.label,
                "count": count,
                "share": count / total,
                "mean_recency": r.get("mean_recency"),
                "mean_frequency": r.get("mean_frequency"),
                "mean_monetary": r.get("mean_monetary"),
            }
        )
    return table


def _matrix(inventory: Inventory, column: str, scope) -> dict[int | None, dict[str, int]]:
    cells: dict[int | None, dict[str, int]] = defaultdict(dict)
    for r in scoped_grades(inventory, scope).values(column, "segment").annotate(n=Count("id")):
        cells[r[column]][r["segment"]] = r["n"]
    return cells


def segment_owner_matrix(inventory: Inventory, scope: QuerySet | None = None) -> list[dict]:
    """Segment counts per owning staff member as of the inventory (the allocation table):
    one row per owner (None = no owner), a count per segment and a total."""
    cells = _matrix(inventory, "owner_id_then", scope)
    names = {s.pk: str(s) for s in Staff.objects.filter(pk__in=[k for k in cells if k])}
    return _rows(cells, names, key="owner")


def segment_store_matrix(inventory: Inventory, scope: QuerySet | None = None) -> list[dict]:
    """Segment counts per home store as of the inventory."""
    cells = _matrix(inventory, "store_id_then", scope)
    names = {s.pk: str(s) for s in Store.objects.filter(pk__in=[k for k in cells if k])}
    return _rows(cells, names, key="store")


def _rows(cells, names, *, key: str) -> list[dict]:
    rows = []
    for ident, counts in sorted(
        cells.items(), key=lambda kv: (kv[0] is None, names.get(kv[0], ""))
    ):
        row = {key + "_id": ident, key: names.get(ident, "—")}
        row.update({code: counts.get(code, 0) for code in SEGMENT_CODES})
        row["total"] = sum(counts.values())
        rows.append(row)
    return rows


def migration_matrix(
    before: Inventory, after: Inventory, *, by: str = "segment", scope: QuerySet | None = None
) -> dict:
    """From-class → to-class counts between two inventories of one organization.

    Customers present in only one of them count under "—" on the other side.
    """
    if before.organization_id != after.organization_id:
        raise ValueError("两次盘点不属于同一机构 (inventories of different organizations)")
    if by not in {"segment", "tier"}:
        raise ValueError("by must be 'segment' or 'tier'")
    old = dict(scoped_grades(before, scope).values_list("customer_id", by))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    new = scoped_grades(after, scope).values_list("customer_id", by)
    for customer_id, new_class in new.iterator(10_000):
        counts[(old.pop(customer_id, "—"), new_class)] += 1
    for old_class in old.values():
        counts[(old_class, "—")] += 1
    return dict(counts)


def migration_customers(
    before: Inventory,
    after: Inventory,
    *,
    from_class: str,
    to_class: str,
    by: str = "segment",
    scope: QuerySet | None = None,
) -> QuerySet[Grade]:
    """The grades (in `after`) of the customers who moved from `from_class` to `to_class`."""
    moved_from = before.grades.filter(**{by: from_class}).values("customer_id")
    return (
        scoped_grades(after, scope)
        .filter(**{by: to_class}, customer_id__in=moved_from)
        .select_related("customer")
    )


def explain_grade(grade: Grade) -> str:
    """The one-sentence reason for a customer's segment in an inventory."""
    t = grade.inventory.thresholds
    if grade.segment == Segment.NONE or t.get("recency_days") is None:
        return explain_segment({"segment": "none"})
    return explain_segment(
        {
            "segment": grade.segment,
            "recency_days": grade.recency_days,
            "frequency": grade.frequency,
            "monetary": grade.monetary,
            "r_threshold": float(t["recency_days"]),
            "f_threshold": float(t["frequency"]),
            "m_threshold": t["monetary"],
        }
    )


_SPEND_LEVEL = {"SVIP": "svip_min_spend", "A": "a_min_spend", "B": "b_min_spend"}
_POINTS_LEVEL = {"A": "a_above_points", "B": "b_min_points"}


def upgrade_reason(change: TierChange) -> str:
    """Why an upgrade was proposed, in the user's language: the customer's spend (or
    points) against the level of the new tier in the inventory that proposed it, and
    since when the proposal waits."""
    config = change.inventory.config if change.inventory else {}
    levels, basis = config.get("tier_levels", {}), config.get("tier_basis", "spend")
    value = "—" if change.basis_value is None else f"{change.basis_value:,.0f}"
    tier = change.to_tier
    if basis == "points" and tier in _POINTS_LEVEL:
        level = f"{int(levels[_POINTS_LEVEL[tier]]):,}"
        reason = _("points %(value)s, tier %(tier)s from %(level)s")
    elif basis == "share" and tier == "A":
        level = f"{float(levels['a_top_share']):.0%}"
        reason = _("spend ¥%(value)s, in the top %(level)s of customers")
    elif basis == "share" and tier == "B" and levels.get("b_next_share"):
        level = f"{float(levels['b_next_share']):.0%}"
        reason = _("spend ¥%(value)s, in the next %(level)s of customers")
    elif tier in _SPEND_LEVEL and levels.get(_SPEND_LEVEL[tier]):
        level = f"{Decimal(levels[_SPEND_LEVEL[tier]]):,.0f}"
        reason = _("spend ¥%(value)s, tier %(tier)s from ¥%(level)s")
    else:
        level, reason = "", _("spend ¥%(value)s")
    since = timezone.localdate(change.created_at).isoformat()
    return _("%(reason)s; waiting since %(since)s") % {
        "reason": reason % {"value": value, "tier": tier, "level": level},
        "since": since,
    }


def tier_history(customer_id: int) -> list[dict]:
    """A customer's tier movements, oldest first: on, kind, from_tier, to_tier, status.

    A first tier writes no tier-change row (an inventory tiers a million customers at
    once): it is the customer's grade in the earliest published inventory, shown as the
    initial tier. Histories recorded before that keep their own initial row."""
    changes = list(TierChange.objects.filter(customer_id=customer_id).order_by("created_at", "id"))
    rows = []
    if not any(c.kind == TierChange.Kind.INITIAL for c in changes):
        first = (
            Grade.objects.filter(
                customer_id=customer_id, inventory__status=Inventory.Status.PUBLISHED
            )
            .order_by("inventory__as_of", "inventory_id")
            .values_list("inventory__as_of", "tier")
            .first()
        )
        if first is not None:
            rows.append(
                {
                    "on": first[0],
                    "kind": TierChange.Kind.INITIAL,
                    "from_tier": "",
                    "to_tier": first[1],
                    "status": TierChange.Status.APPLIED,
                }
            )
    rows += [
        {
            "on": c.effective_on,
            "kind": c.kind,
            "from_tier": c.from_tier,
            "to_tier": c.to_tier,
            "status": c.status,
        }
        for c in changes
    ]
    return rows
