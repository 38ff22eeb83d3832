"""The referral KPIs of each staff member and role for a month, against targets derived
from the customers each one served (the seed: 根据每日服务客户量与老客总量，确定带新量与
带新业绩目标).

For each staff member: her old customers (老客总量: the customers she owns who first came
before the month), the satisfied ones among them, the customers she served in the month
(as the order's consultant, the line's practitioner, or by a follow-up) and what they
spent, the referred people she registered in the month, those of hers who arrived in the
month, the deals among them and their revenue. Targets:
her role's rates per 100 served customers, and the revenue-share target of what her served
customers spent."""

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from revisit.core.access import visible_customers, visible_leads, visible_order_lines, visible_staff
from revisit.core.clock import local_date, org_zone
from revisit.core.models import Organization, Staff
from revisit.core.money import round_money
from revisit.customers.models import Satisfaction
from revisit.outreach.models import FollowUp
from revisit.referrals.models import KPI_METRICS, KPI_ROLES, Lead
from revisit.referrals.policy import referral_settings
from revisit.sales.models import OrderLine

SATISFIED = [Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED]
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Month:
    """A calendar month of the organization: its days and its aware [start, end) bounds."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def month_of(organization: Organization, day: date) -> Month:
    first = day.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    zone = org_zone(organization)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return Month(first, last, start, end)


@dataclass
class Kpi:
    """One staff member's (or one role's, summed) figures and targets for a month."""

    role: str
    staff: Staff | None = None
    old_total: int = 0
    satisfied: int = 0
    served: int = 0
    served_revenue: Decimal = Decimal(0)
    registrations: int = 0
    arrivals: int = 0
    deals: int = 0
    revenue: Decimal = Decimal(0)
    targets: dict = field(default_factory=dict)

    def attainment(self, metric: str) -> Decimal | None:
        """Actual over target for `metric` (None without a target)."""
        target = self.targets.get(metric)
        if not target:
            return None
        return Decimal(getattr(self, metric)) / target

    def add(self, other: "Kpi") -> None:
        for name in (
            "old_total",
            "satisfied",
            "served",
            "served_revenue",
            "registrations",
            "arrivals",
            "deals",
            "revenue",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for metric, value in other.targets.items():
            self.targets[metric] = self.targets.get(metric, Decimal(0)) + value


def kpi_role(staff: Staff) -> str:
    """The staff member's role for the KPIs: the first of KPI_ROLES she holds ("" when
    none, e.g. an administrator only)."""
    held = {a.role for a in staff.role_assignments.all()}
    return next((str(role) for role in KPI_ROLES if role in held), "")


def kpi_staff(viewer: Staff) -> QuerySet[Staff]:
    """Whose KPIs `viewer` may read: the staff she may look at, and herself."""
    return (
        Staff.objects.filter(organization_id=viewer.organization_id)
        .filter(Q(pk__in=visible_staff(viewer).values("pk")) | Q(pk=viewer.pk))
        .prefetch_related("role_assignments")
        .order_by("display_name", "username")
    )


def _served(viewer: Staff, month: Month, ids: set[int]) -> dict[int, tuple[int, Decimal]]:
    """Per staff id: the customers she served in the month (consultant of the order,
    practitioner of the line, or who followed her up) and what they paid on the lines
    she served."""
    customers: dict[int, set[int]] = defaultdict(set)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    lines = visible_order_lines(viewer).filter(
        order_date__gte=month.first, order_date__lte=month.last
    )
    rows = lines.values_list("order__consultant_id", "practitioner_id", "customer_id", "amount")
    for consultant, practitioner, customer, amount in rows.iterator(chunk_size=5000):
        for person in {consultant, practitioner} & ids:
            customers[person].add(customer)
            revenue[person] += amount
    # The call center and the desk serve by contacting: a customer she followed up counts.
    contacted = (
        FollowUp.objects.filter(
            organization_id=viewer.organization_id,
            actor_id__in=ids,
            contacted_at__gte=month.start,
            contacted_at__lt=month.end,
        )
        .filter(Exists(visible_customers(viewer).filter(pk=OuterRef("customer_id"))))
        .values_list("actor_id", "customer_id")
        .distinct()
    )
    for person, customer in contacted.iterator(chunk_size=5000):
        customers[person].add(customer)
    return {pk: (len(customers[pk]), revenue[pk]) for pk in customers}


def arrivals_with_revenue(leads: QuerySet[Lead], month: Month) -> list[tuple[Lead, Decimal]]:
    """The leads of `leads` who arrived in the month, each with what she paid from her
    arrival day to the month's end (a deal when more than 0)."""
    arrived = list(
        leads.filter(arrived_at__gte=month.start, arrived_at__lt=month.end).select_related(
            "organization"
        )
    )
    paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    customer_ids = [lead.customer_id for lead in arrived if lead.customer_id]
    for i in range(0, len(customer_ids), 500):
        rows = OrderLine.objects.filter(
            customer_id__in=customer_ids[i : i + 500],
            amount__gt=0,
            order_date__gte=month.first - timedelta(days=1),
            order_date__lte=month.last,
        ).values_list("customer_id", "order_date", "amount")
        for customer, day, amount in rows:
            paid[customer].append((day, amount))
    out = []
    for lead in arrived:
        day = local_date(lead.organization, lead.arrived_at)
        out.append((lead, sum((a for d, a in paid[lead.customer_id] if d >= day), Decimal(0))))
    return out


def staff_kpis(viewer: Staff, *, month: Month) -> list[Kpi]:
    """The KPIs of every staff member `viewer` may read, for `month`, each counted over
    `viewer`'s scope (a store manager reads her store's figures of a staff member)."""
    people = list(kpi_staff(viewer))
    ids = {p.pk for p in people}
    program = referral_settings(viewer.organization)
    owned = {
        row["owner_id"]: row
        for row in visible_customers(viewer)
        .filter(owner_id__in=ids, first_visit__lt=month.first)
        .values("owner_id")
        .annotate(total=Count("pk"), satisfied=Count("pk", filter=Q(satisfaction__in=SATISFIED)))
    }
    served = _served(viewer, month, ids)
    leads = visible_leads(viewer).filter(registered_by_id__in=ids)
    registered = dict(
        leads.filter(registered_at__gte=month.start, registered_at__lt=month.end)
        .values("registered_by_id")
        .annotate(n=Count("pk"))
        .values_list("registered_by_id", "n")
    )
    arrivals: dict[int, list[Decimal]] = defaultdict(list)
    for lead, paid in arrivals_with_revenue(leads, month):
        arrivals[lead.registered_by_id].append(paid)
    rows = []
    for person in people:
        role = kpi_role(person)
        count, spent = served.get(person.pk, (0, Decimal(0)))
        mine = arrivals.get(person.pk, [])
        kpi = Kpi(
            role=role,
            staff=person,
            old_total=owned.get(person.pk, {}).get("total", 0),
            satisfied=owned.get(person.pk, {}).get("satisfied", 0),
            served=count,
            served_revenue=round_money(spent),
            registrations=registered.get(person.pk, 0),
            arrivals=len(mine),
            deals=sum(1 for paid in mine if paid > 0),
            revenue=round_money(sum(mine, Decimal(0))),
        )
        if role:
            rates = program.role_target(role)
            kpi.targets = {
                metric: (Decimal(count) * rates[metric] / 100).quantize(TENTH, ROUND_HALF_UP)
                for metric in KPI_METRICS
            }
            kpi.targets["revenue"] = round_money(spent * program.revenue_share_target)
        if role or kpi.registrations or kpi.arrivals:
            rows.append(kpi)
    return rows


def role_kpis(rows: list[Kpi]) -> list[Kpi]:
    """`rows` summed per role, in the order of KPI_ROLES (staff without one last)."""
    by_role: dict[str, Kpi] = {}
    for row in rows:
        by_role.setdefault(row.role, Kpi(role=row.role)).add(row)
    order = [str(r) for r in KPI_ROLES] + [""]
    return sorted(by_role.values(), key=lambda k: order.index(k.role))
