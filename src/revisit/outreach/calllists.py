"""Daily call lists: who calls whom today, within each person's quota."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Case, Count, Exists, Max, OuterRef, Q, When
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.core.clock import day_bounds
from revisit.core.models import Organization, Role, RoleAssignment, Staff
from revisit.customers.consents import marketable
from revisit.customers.models import Customer, MarketingConsent, PhoneStatus, Tier
from revisit.grading.models import Grade, Inventory
from revisit.grading.reads import current_inventory
from revisit.outreach.campaigns import active_campaign
from revisit.outreach.contacts import contact_moments, contacted_since
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import (
    Allocation,
    CallTask,
    FollowUp,
    OutreachState,
    ScheduledContact,
    StaffDuty,
    Strategy,
)
from revisit.sales.models import Order


@dataclass
class Generated:
    date: date
    created: int = 0
    carried_over: int = 0
    per_staff: Counter = field(default_factory=Counter)


@dataclass
class _Caller:
    staff_id: int
    roles: set
    department: str | None
    stores: set
    quota: int
    personal_quota: int | None = None
    load: int = 0  # activation (segment) tasks of the day: the quota limits these only
    scheduled: int = 0  # routine revisits of the day, on top of the quota

    def has_room(self) -> bool:
        return self.load < self.quota


def _callers(org: Organization, day: date, settings) -> dict[int, _Caller]:
    """Consultants and callers with their quota and the tasks they already have that day."""
    people: dict[int, _Caller] = {}
    for a in RoleAssignment.objects.filter(
        staff__organization=org, staff__is_active=True, role__in=[Role.CONSULTANT, Role.CALLER]
    ).select_related("staff__department"):
        staff = a.staff
        caller = people.setdefault(
            staff.pk,
            _Caller(
                staff.pk,
                set(),
                staff.department.kind if staff.department else None,
                set(),
                staff.daily_call_quota if staff.daily_call_quota is not None else -1,
                staff.daily_call_quota,
            ),
        )
        caller.roles.add(a.role)
        caller.stores.add(a.store_id)
    for caller in people.values():
        if caller.quota < 0:  # no personal quota: the role's default
            caller.quota = (
                settings.consultant_daily_quota
                if Role.CONSULTANT in caller.roles
                else settings.caller_daily_quota
            )
    for staff_id, source, n in (
        CallTask.objects.filter(organization=org, due_date=day)
        .values_list("assignee", "source")
        .annotate(n=Count("id"))
    ):
        if staff_id in people:
            if source == CallTask.Source.SCHEDULED:
                people[staff_id].scheduled += n
            else:
                people[staff_id].load += n
    return people


def _reachable(org: Organization):
    """Customers who may be called at all: not blacklisted or in dispute, with a working
    number, not opted out of calls (and with a recorded yes when the organization does not
    call without one), without an open task, not in the revisit team's queue."""
    customers = Customer.objects.filter(organization=org, is_blacklisted=False, is_dispute=False)
    return (
        marketable(customers, org, MarketingConsent.Channel.CALL)
        .exclude(mobile="")
        .exclude(phone_status__in=[PhoneStatus.DEAD, PhoneStatus.REVIEW, PhoneStatus.INVALID])
        .exclude(
            Exists(CallTask.objects.filter(customer=OuterRef("pk"), status=CallTask.Status.OPEN))
        )
        .exclude(
            Exists(
                OutreachState.objects.filter(
                    customer=OuterRef("pk"), queue=OutreachState.Queue.REVISIT_TEAM
                )
            )
        )
        .annotate(last_contact=Max("followups__contacted_at"))
    )


def _not_recently_contacted(customers, org: Organization, day: date, settings):
    """Segment work leaves alone whoever was contacted within the cool-off. (A scheduled
    contact, such as a retry tomorrow, was asked for and is not held back by it.)"""
    start, _ = day_bounds(org, day)
    cool_off_start = start - timedelta(days=settings.cool_off_days - 1)
    capped_start = start - timedelta(days=settings.capped_interval_days - 1)
    # Calls and the other contacts (messages sent) alike: see revisit.outreach.contacts.
    return (
        customers.exclude(
            Exists(
                FollowUp.objects.filter(customer=OuterRef("pk"), contacted_at__gte=cool_off_start)
            )
        )
        .exclude(contacted_since(cool_off_start))
        .annotate(
            recent_contacts=Count("followups", filter=Q(followups__contacted_at__gte=capped_start))
            + Case(When(contacted_since(capped_start), then=1), default=0)
        )
    )


def _contacts_since_purchase(customer_ids: list[int]) -> dict[int, int]:
    """How many contacts (follow-ups and registered others, such as messages sent) each
    customer had since her last order."""
    counts: dict[int, int] = {}
    last_orders = dict(
        Order.objects.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(last=Max("order_date"))
        .values_list("customer_id", "last")
    )
    calls = FollowUp.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "contacted_at"
    )
    for customer_id, contacted_at in [*calls, *contact_moments(customer_ids)]:
        last = last_orders.get(customer_id)
        if last is None or contacted_at.date() > last:
            counts[customer_id] = counts.get(customer_id, 0) + 1
    return counts


def _pick(candidates: list[_Caller], scheduled: bool) -> _Caller | None:
    if scheduled:  # routine revisits are always handed out, evenly
        return min(candidates, key=lambda c: (c.scheduled, c.staff_id), default=None)
    open_ = [c for c in candidates if c.has_room()]
    return min(open_, key=lambda c: (c.load, c.staff_id)) if open_ else None


def _one(caller: _Caller | None, scheduled: bool) -> _Caller | None:
    """A named person takes the customer while she has room (routine revisits always)."""
    if caller is None:
        return None
    return caller if scheduled or caller.has_room() else None


@dataclass
class _Team:
    """Who is whose assistant, and who is on the call team (among today's callers)."""

    assistants: dict[int, list[_Caller]] = field(default_factory=dict)
    call_team: list[_Caller] = field(default_factory=list)


def _team(people: dict[int, _Caller], settings) -> _Team:
    team = _Team()
    for staff_id, assists, on_call_team in StaffDuty.objects.filter(
        staff_id__in=list(people)
    ).values_list("staff_id", "assists_id", "on_call_team"):
        caller = people[staff_id]
        if assists is not None:
            team.assistants.setdefault(assists, []).append(caller)
        if on_call_team:
            team.call_team.append(caller)
            if caller.personal_quota is None:
                caller.quota = settings.call_team_daily_quota
    return team


def _local_first(customer, pool: list[_Caller], scheduled: bool) -> _Caller | None:
    local = [c for c in pool if customer.home_store_id in c.stores]
    return _pick(local, scheduled) or _pick(pool, scheduled)


def _assignee(
    customer, strategy, people: dict[int, _Caller], team: _Team, *, scheduled: bool
) -> _Caller | None:
    """Who calls the customer, by the strategy's allocation:

    - manager: the strategy's named VIP manager;
    - owner: her owning consultant;
    - assistant: the owner's assistant (the least loaded, if she has several);
    - call team: the call team's least loaded member, preferring her store;
    - department (and when the above names nobody who takes calls): the owner when the
      department is hers (a consultant for on-site work, or staff of that department),
      otherwise the least-loaded caller of the department's pool, preferring her store.

    A person who is full takes no more activation calls (no spill to someone else, so
    every quota holds); scheduled revisits are on top of it (seed 000: 除正常回访以外)."""
    allocation = strategy.allocation if strategy else Allocation.DEPARTMENT
    department = strategy.department if strategy else "customer_service"
    owner = people.get(customer.owner_id)
    if allocation == Allocation.MANAGER and strategy.manager_id in people:
        return _one(people[strategy.manager_id], scheduled)
    if allocation == Allocation.OWNER and owner:
        return _one(owner, scheduled)
    if allocation == Allocation.ASSISTANT and owner and team.assistants.get(owner.staff_id):
        return _pick(team.assistants[owner.staff_id], scheduled)
    if allocation == Allocation.CALL_TEAM and team.call_team:
        return _local_first(customer, team.call_team, scheduled)
    if owner and (
        (department == "onsite" and Role.CONSULTANT in owner.roles)
        or owner.department == department
    ):
        return _one(owner, scheduled)
    pool = [c for c in people.values() if Role.CALLER in c.roles and c.department == department]
    pool = pool or [c for c in people.values() if Role.CALLER in c.roles]
    return _local_first(customer, pool, scheduled)


def choose_strategy(
    strategies: dict[str, Strategy], segment: str, tier: str, precedence: str
) -> Strategy | None:
    """The worked strategy that applies to a customer of `segment` and `tier`: when both
    a segment and a tier strategy are worked, the organization's precedence decides."""
    by_segment = strategies.get(segment) if segment else None
    by_tier = strategies.get(tier) if tier else None
    by_segment = by_segment if by_segment and by_segment.is_worked else None
    by_tier = by_tier if by_tier and by_tier.is_worked else None
    if precedence == "segment":
        return by_segment or by_tier
    return by_tier or by_segment


def generate_call_lists(
    organization: Organization,
    *,
    date: date,
    inventory: Inventory | None = None,
    actor: Staff | None = None,
    now=None,
) -> Generated:
    """Allocate today's calls: open tasks from earlier days first (moved to today), then
    due scheduled contacts, then the customers of worked segments by strategy priority and
    longest time since the last contact, each to her owner or the department's pool.
    The daily quota limits the activation (segment) calls only: scheduled revisits and
    cadence contacts are always handed out, on top of it. Running it again for the same
    day adds nothing."""
    now = now or timezone.now()
    settings = outreach_settings(organization)
    inventory = inventory or current_inventory(organization, on=date)
    result = Generated(date=date)
    with transaction.atomic():
        # One generation per organization at a time (CLI, hourly tick, page): the row lock
        # is taken before anything is read, so under READ COMMITTED a second run waits
        # here and then sees the first one's committed tasks and loads.
        Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
        result.carried_over = CallTask.objects.filter(
            organization=organization,
            status=CallTask.Status.OPEN,
            due_date__lt=date,
        ).update(due_date=date)
        people = _callers(organization, date, settings)
        team = _team(people, settings)
        strategies = {s.target: s for s in Strategy.objects.filter(organization=organization)}
        campaign = active_campaign(organization, date)
        reachable = _reachable(organization)
        due = dict(
            ScheduledContact.objects.filter(
                organization=organization, status=ScheduledContact.Status.PENDING, due_on__lte=date
            ).values_list("customer_id", "reason")
        )
        graded = {}
        if inventory is not None:
            graded = dict(
                Grade.objects.filter(inventory=inventory).values_list("customer_id", "segment")
            )
        worked = {t for t, s in strategies.items() if s.is_worked}
        wanted = {cid for cid, seg in graded.items() if seg in worked} | set(due)
        worked_tiers = worked & set(Tier.values)
        if worked_tiers:
            wanted |= set(reachable.filter(tier__in=worked_tiers).values_list("pk", flat=True))
        rows = list(
            _not_recently_contacted(reachable, organization, date, settings).filter(
                pk__in=wanted - set(due)
            )
        )
        capped = _contacts_since_purchase([c.pk for c in rows if c.recent_contacts])
        rows = [
            c
            for c in rows
            if not (c.recent_contacts and capped.get(c.pk, 0) >= settings.contact_cap)
        ]
        # Past the contact cap a customer is only called once a quarter; scheduled
        # contacts were asked for, so neither the cap nor the cool-off holds them back.
        rows += list(reachable.filter(pk__in=due))
        queue = []
        for customer in rows:
            segment = graded.get(customer.pk, "")
            strategy = choose_strategy(
                strategies, segment, customer.tier, settings.strategy_precedence
            )
            scheduled = customer.pk in due
            if not scheduled and strategy is None:
                continue
            priority = 0 if scheduled else strategy.priority
            last = customer.last_contact.timestamp() if customer.last_contact else 0
            queue.append((priority, last, customer.pk, customer, segment, strategy, scheduled))
        queue.sort(key=lambda q: q[:3])
        tasks = []
        for _, _, _, customer, segment, strategy, scheduled in queue:
            caller = _assignee(customer, strategy, people, team, scheduled=scheduled)
            if caller is None:
                continue
            if scheduled:
                caller.scheduled += 1
            else:
                caller.load += 1
            result.per_staff[caller.staff_id] += 1
            in_campaign = campaign is not None and (
                campaign.targets(segment, customer.tier) or due.get(customer.pk) == "campaign"
            )
            tasks.append(
                CallTask(
                    organization=organization,
                    customer=customer,
                    assignee_id=caller.staff_id,
                    due_date=date,
                    first_due_date=date,
                    segment=segment,
                    strategy=strategy,
                    campaign=campaign if in_campaign else None,
                    source=CallTask.Source.SCHEDULED if scheduled else CallTask.Source.SEGMENT,
                )
            )
        CallTask.objects.bulk_create(tasks, batch_size=2000)
        result.created = len(tasks)
        record_event(
            organization,
            actor=actor,
            action="calllists.generate",
            date=date.isoformat(),
            created=result.created,
            carried_over=result.carried_over,
            inventory=inventory.pk if inventory else None,
            campaign=campaign.pk if campaign else None,
        )
    return result


def allocation_table(organization: Organization, day: date) -> list[dict]:
    """Tasks of the day per staff member (the allocation table): activation calls per
    segment and in all (what the quota limits), routine revisits (scheduled contacts,
    on top of the quota) apart, and the total."""
    segments: dict[int, Counter] = defaultdict(Counter)
    scheduled: Counter = Counter()
    for staff_id, source, segment, n in (
        CallTask.objects.filter(organization=organization, due_date=day)
        .values_list("assignee", "source", "segment")
        .annotate(n=Count("id"))
    ):
        if source == CallTask.Source.SCHEDULED:
            scheduled[staff_id] += n
        else:
            segments[staff_id][segment or "—"] += n
    staff_ids = set(segments) | set(scheduled)
    names = {s.pk: str(s) for s in Staff.objects.filter(pk__in=staff_ids)}
    rows = []
    for sid in sorted(staff_ids, key=lambda pk: (names.get(pk, ""), pk)):
        activation = sum(segments[sid].values())
        rows.append(
            {
                "staff_id": sid,
                "staff": names.get(sid, "—"),
                "segments": dict(segments[sid]),
                "activation": activation,
                "scheduled": scheduled[sid],
                "total": activation + scheduled[sid],
            }
        )
    return rows
