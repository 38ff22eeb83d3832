"""The demo's referral history: customers who came by referral get their referrer (a
customer treated before them, mostly within the golden window: half within three
months of that treatment, a third in months 4-11), the lead registered a few days before
the first visit, the attribution decided on arrival (a few of the program's special cases
among them) and the first-order rewards proposed, most of them approved and some of the
rebates spent, so the referral pages show a true picture."""

import bisect
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from revisit.core.clock import org_zone
from revisit.core.models import Organization, Role, RoleAssignment
from revisit.customers.models import Channel, Customer
from revisit.referrals.models import Attribution, Lead, Level, Reward, RewardKind, Rule
from revisit.referrals.rewards import approve_reward, propose_rewards
from revisit.sales.models import OrderLine
from revisit.wallet.ledger import post
from revisit.wallet.models import Account, AccountKind, EntryKind

MAX_LEADS = 400
# Months between the referrer's treatment and the referral: 1-3 (half), 4-11 (a third),
# later (the rest), as the seed observed.
WINDOWS = [((30, 92), 0.5), ((93, 335), 0.3), ((336, 720), 0.2)]
WALK_IN_CASES = [Rule.CASE_1, Rule.CASE_2, Rule.CASE_3, Rule.DAY_BEFORE]


def build_referral_history(org: Organization, rng: np.random.Generator) -> int:
    """Create the leads, rewards and rebate spending of the demo; return the lead count."""
    zone = org_zone(org)
    referred = list(
        Customer.objects.filter(
            organization=org, channel=Channel.REFERRAL, first_visit__isnull=False
        )
        .order_by("first_visit", "pk")
        .values_list("pk", "first_visit", "home_store_id")
    )
    if not referred:
        return 0
    visits = defaultdict(list)  # store → sorted (date, customer) of paid treatments
    for customer_id, day, store_id in (
        OrderLine.objects.filter(organization=org, amount__gt=0)
        .values_list("customer_id", "order_date", "customer__home_store_id")
        .order_by("order_date")
        .iterator(chunk_size=20_000)
    ):
        visits[store_id].append((day, customer_id))
    registrars = defaultdict(list)
    managers = {}
    for a in RoleAssignment.objects.filter(staff__organization=org).select_related("staff"):
        if a.role in (Role.CONSULTANT, Role.CALLER) and a.store_id:
            registrars[a.store_id].append(a.staff)
        if a.role == Role.STORE_MANAGER and a.store_id:
            managers[a.store_id] = a.staff
    picks = rng.permutation(len(referred))[:MAX_LEADS]
    leads = []
    referrers = {}
    for i in sorted(picks):
        customer_id, first_visit, store_id = referred[i]
        window = rng.choice(len(WINDOWS), p=[p for _, p in WINDOWS])
        low, high = WINDOWS[window][0]
        target = first_visit - timedelta(days=int(rng.integers(low, high)))
        pool = visits.get(store_id) or []
        at = bisect.bisect_left(pool, (target, 0))
        candidates = [c for _, c in pool[max(0, at - 5) : at + 5] if c != customer_id]
        if not candidates or not registrars.get(store_id):
            continue
        referrer_id = candidates[int(rng.integers(len(candidates)))]
        walk_in = rng.random() < 0.1
        rule = WALK_IN_CASES[int(rng.integers(len(WALK_IN_CASES)))] if walk_in else Rule.REFERRAL
        days_before = 0 if rule in (Rule.CASE_1, Rule.DAY_BEFORE) else int(rng.integers(1, 15))
        registered = datetime.combine(
            first_visit - timedelta(days=days_before), time(10), tzinfo=zone
        )
        arrived = datetime.combine(first_visit, time(14), tzinfo=zone)
        staff = registrars[store_id][int(rng.integers(len(registrars[store_id])))]
        leads.append(
            Lead(
                organization=org,
                store_id=store_id,
                referrer_id=referrer_id,
                name="",
                intention=int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])),
                registered_by=staff,
                registered_at=registered.astimezone(UTC),
                made_card=True,
                customer_id=customer_id,
                arrived_at=arrived.astimezone(UTC),
                attribution=Attribution.WALK_IN if walk_in else Attribution.REFERRAL,
                level="" if walk_in else Level.PRIMARY,
                rule=rule,
                facts={
                    "referrer_came": bool(rng.random() < 0.4),
                    "asked_consultant_by_name": rule == Rule.CASE_2,
                    "came_in_group": rule == Rule.CASE_3,
                    "prior_channel": "",
                },
                decided_by=staff,
            )
        )
        referrers[customer_id] = referrer_id
    people = Customer.objects.in_bulk([lead.customer_id for lead in leads])
    for lead in leads:
        person = people[lead.customer_id]
        lead.name, lead.mobile = person.name, person.mobile
    Lead.objects.bulk_create(leads, batch_size=500)
    for customer_id, referrer_id in referrers.items():
        Customer.objects.filter(pk=customer_id).update(referrer_id=referrer_id)
    walk_ins = [lead.customer_id for lead in leads if lead.attribution == Attribution.WALK_IN]
    Customer.objects.filter(pk__in=walk_ins).update(channel=Channel.WALK_IN)
    _rewards(org, rng, managers)
    return len(leads)


def _rewards(org, rng, managers) -> None:
    """Propose every first-order reward; approve the rebates of the older ones (a store
    manager, a few days after the order) and let a quarter of the referrers spend theirs."""
    latest = None
    for lead in Lead.objects.filter(organization=org).select_related("organization").order_by("pk"):
        for reward in propose_rewards(lead, now=lead.arrived_at):
            latest = max(latest or reward.order.order_date, reward.order.order_date)
    if latest is None:
        return
    cutoff = latest - timedelta(days=30)
    rebates = Reward.objects.filter(
        organization=org, kind=RewardKind.REBATE, order__order_date__lte=cutoff
    ).select_related("lead", "order", "customer")
    for reward in rebates:
        manager = managers.get(reward.lead.store_id)
        if manager is None or rng.random() < 0.1:
            continue
        moment = datetime.combine(reward.order.order_date + timedelta(days=3), time(11), tzinfo=UTC)
        approve_reward(reward, actor=manager, now=moment)
    credits = Account.objects.filter(organization=org, kind=AccountKind.CREDIT, balance__gt=0)
    now = timezone.now()
    for account in credits.order_by("pk"):
        if rng.random() < 0.25:
            spent_at = account.opened_at + timedelta(days=int(rng.integers(10, 200)))
            post(
                account,
                -account.balance,
                kind=EntryKind.SPEND,
                actor=None,
                reason="消费抵扣",
                now=min(spent_at, now),
            )
