"""What the business owes its customers, per store: outstanding stored value, credit,
points (and what they are worth), course-card sessions (and their value), gift and family
cards, and what of it expires next month.

Every figure is a sum over the accounts' balances, and a balance is the sum of its
entries, so the report's totals are the ledger's sums. An account counts for the store it
was opened at, or, without one, for its customer's home store.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from revisit.core.models import Organization, Role, Staff, Store
from revisit.core.money import round_money
from revisit.wallet.models import Account, AccountKind

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
# Kinds whose balance is yuan.
YUAN_KINDS = (
    AccountKind.STORED_VALUE,
    AccountKind.CREDIT,
    AccountKind.GIFT_CARD,
    AccountKind.FAMILY_CARD,
)


def yuan_per_point(organization: Organization) -> Decimal:
    """What one point is worth (settings.WALLET_YUAN_PER_POINT)."""
    return Decimal(settings.WALLET_YUAN_PER_POINT)


def liability_stores(staff: Staff) -> QuerySet[Store]:
    """The stores whose liability `staff` may read: every store for the admin, the
    region's for its supervisor, her own for a store manager; none for anyone else."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return Store.objects.none()
    stores = Store.objects.filter(organization_id=staff.organization_id)
    assignments = list(staff.role_assignments.all())
    if any(a.role == Role.ADMIN for a in assignments):
        return stores
    return stores.filter(
        Q(pk__in=[a.store_id for a in assignments if a.role == Role.STORE_MANAGER])
        | Q(region_id__in=[a.region_id for a in assignments if a.role == Role.REGION_SUPERVISOR])
    )


def get_liability_store_or_404(staff: Staff, pk) -> Store:
    try:
        return liability_stores(staff).get(pk=int(pk))
    except (Store.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


@dataclass
class LiabilityRow:
    store_id: int | None
    store: str
    stored_value: Decimal = ZERO
    credit: Decimal = ZERO
    points: Decimal = ZERO
    points_value: Decimal = ZERO
    sessions: Decimal = ZERO
    sessions_value: Decimal = ZERO
    gift_card: Decimal = ZERO
    family_card: Decimal = ZERO
    accounts: int = 0
    expiring_value: Decimal = ZERO  # yuan (points and sessions at their value)
    expiring_sessions: Decimal = ZERO
    expiring_points: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return (
            self.stored_value
            + self.credit
            + self.points_value
            + self.sessions_value
            + self.gift_card
            + self.family_card
        )

    def add(self, other: "LiabilityRow") -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


FIGURES = [
    "stored_value",
    "credit",
    "points",
    "points_value",
    "sessions",
    "sessions_value",
    "gift_card",
    "family_card",
    "accounts",
    "expiring_value",
    "expiring_sessions",
    "expiring_points",
]


@dataclass
class Liability:
    rows: list[LiabilityRow]
    total: LiabilityRow
    next_month: tuple[date, date]
    yuan_per_point: Decimal
    with_unassigned: bool = field(default=False)


def next_month(today: date) -> tuple[date, date]:
    """The first and the last day of the month after `today`'s."""
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def liability(
    organization: Organization,
    *,
    stores: QuerySet[Store],
    today: date,
    with_unassigned: bool = False,
) -> Liability:
    """The outstanding balances per store of `stores` (and, with `with_unassigned`, of the
    accounts that belong to no store), with their total."""
    rate = yuan_per_point(organization)
    first, last = next_month(today)
    store_of = Coalesce("store_id", "customer__home_store_id")
    accounts = Account.objects.filter(organization=organization).annotate(at=store_of)
    store_ids = list(stores.values_list("pk", flat=True))
    scope = Q(at__in=store_ids)
    if with_unassigned:
        scope |= Q(at__isnull=True)
    accounts = accounts.filter(scope)
    value = ExpressionWrapper(
        F("balance") * Coalesce("unit_value", Value(ZERO)), output_field=MONEY
    )
    expiring = Q(expires_on__gte=first, expires_on__lte=last)
    sums = {}
    for kind in AccountKind.values:
        of_kind = Q(kind=kind)
        sums[kind] = Coalesce(Sum("balance", filter=of_kind), Value(ZERO), output_field=MONEY)
        sums[f"{kind}__exp"] = Coalesce(
            Sum("balance", filter=of_kind & expiring), Value(ZERO), output_field=MONEY
        )
    sums["sessions_value"] = Coalesce(
        Sum(value, filter=Q(kind=AccountKind.COURSE_CARD)), Value(ZERO), output_field=MONEY
    )
    sums["sessions_value__exp"] = Coalesce(
        Sum(value, filter=Q(kind=AccountKind.COURSE_CARD) & expiring),
        Value(ZERO),
        output_field=MONEY,
    )
    grouped = {
        r["at"]: r for r in accounts.values("at").annotate(n=Count("pk"), **sums).order_by("at")
    }
    names = dict(stores.values_list("pk", "name"))
    rows = []
    keys = sorted(names, key=lambda pk: names[pk])
    if with_unassigned:
        keys.append(None)
    for pk in keys:
        row = LiabilityRow(store_id=pk, store=names.get(pk, ""))
        found = grouped.get(pk)
        if found is not None:
            row.stored_value = found[AccountKind.STORED_VALUE]
            row.credit = found[AccountKind.CREDIT]
            row.points = found[AccountKind.POINTS]
            row.points_value = round_money(row.points * rate)
            row.sessions = found[AccountKind.COURSE_CARD]
            row.sessions_value = round_money(found["sessions_value"])
            row.gift_card = found[AccountKind.GIFT_CARD]
            row.family_card = found[AccountKind.FAMILY_CARD]
            row.accounts = found["n"] or 0
            row.expiring_points = found[f"{AccountKind.POINTS}__exp"]
            row.expiring_sessions = found[f"{AccountKind.COURSE_CARD}__exp"]
            row.expiring_value = round_money(
                sum((found[f"{k}__exp"] for k in YUAN_KINDS), ZERO)
                + found["sessions_value__exp"]
                + row.expiring_points * rate
            )
        if pk is None and not row.accounts:
            continue  # no account without a store: no empty row for it
        rows.append(row)
    total = LiabilityRow(store_id=None, store="")
    for row in rows:
        total.add(row)
    return Liability(rows, total, (first, last), rate, with_unassigned)
