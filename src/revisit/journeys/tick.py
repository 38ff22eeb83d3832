"""The daily tick: plan the day's touches of every journey, record each firing once
(journey, customer, trigger date) and do its actions: queue the messages into the
outbox, schedule the calls for the call lists, give the store its tasks. And the
preview of a day: the same plan, each touch with the reason it would not be sent."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import Sum

from revisit.core.audit import record_event
from revisit.core.clock import org_zone
from revisit.customers.models import Customer
from revisit.journeys.models import ActionKind, Journey, JourneyAction, JourneyFiring, StoreTask
from revisit.journeys.planning import not_yet_fired, plan
from revisit.messaging.models import MessageChannel, MessagingSettings, Purpose, Suppression
from revisit.messaging.rendering import TemplateError
from revisit.messaging.rules import classify, in_quiet_hours, messaging_settings
from revisit.messaging.services import queue_many, queue_message
from revisit.outreach.followups import JOURNEY_PREFIX
from revisit.outreach.models import ScheduledContact
from revisit.wallet.models import Account, AccountKind
from revisit.wallet.points_models import MembershipCard

PER_CUSTOMER = ("{points}", "{amount}", "{card_pickup_date}")
CHUNK = 20_000


@dataclass
class DayResult:
    fired: int = 0
    queued: int = 0
    suppressed: dict = field(default_factory=dict)
    calls: int = 0
    store_tasks: int = 0
    unrenderable: int = 0

    def as_dict(self) -> dict:
        return {
            "fired": self.fired,
            "queued": self.queued,
            "suppressed": sum(self.suppressed.values()),
            "calls": self.calls,
            "store_tasks": self.store_tasks,
            "unrenderable": self.unrenderable,
        }


def due_at(journey: Journey, day: date) -> datetime:
    return datetime.combine(day, journey.send_at, tzinfo=org_zone(journey.organization))


def _points(customer_ids) -> dict[int, int]:
    rows = (
        Account.objects.filter(customer_id__in=customer_ids, kind=AccountKind.POINTS)
        .values("customer_id")
        .annotate(total=Sum("balance"))
        .values_list("customer_id", "total")
    )
    return {c: int(t or 0) for c, t in rows}


def _contexts(rows: pl.DataFrame, orders: pl.DataFrame) -> dict[int, dict]:
    """customer id → the per-customer placeholders of her touch."""
    ids = rows["customer_id"].to_list()
    points = _points(ids)
    ready = dict(
        MembershipCard.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "card_ready_on"
        )
    )
    amounts = {}
    if not orders.is_empty():
        joined = rows.join(
            orders.rename({"order_date": "occurs_on"}), on=["customer_id", "occurs_on"], how="inner"
        )
        amounts = dict(zip(joined["customer_id"], joined["amount"], strict=True))
    return {
        c: {
            "date": d,
            "points": points.get(c, 0),
            "amount": amounts.get(c, ""),
            "card_pickup_date": ready.get(c) or "",
        }
        for c, d in zip(rows["customer_id"], rows["occurs_on"], strict=True)
    }


def _send(action: JourneyAction, rows: pl.DataFrame, orders, day, result: DayResult) -> None:
    template = action.template
    if template is None or not template.is_active:
        return
    journey = action.journey
    due = due_at(journey, day)
    texts = template.body + template.body_non_member + template.subject
    if any(p in texts for p in PER_CUSTOMER):
        contexts = _contexts(rows, orders)
        customers = Customer.objects.filter(pk__in=list(contexts)).select_related(
            "home_store", "organization"
        )
        for customer in customers.iterator(chunk_size=2000):
            try:
                message = queue_message(
                    customer,
                    template=template,
                    actor=None,
                    due=due,
                    context=contexts[customer.pk],
                )
            except TemplateError:
                result.unrenderable += 1
                continue
            if message.suppression_reason:
                reason = message.suppression_reason
                result.suppressed[reason] = result.suppressed.get(reason, 0) + 1
            else:
                result.queued += 1
        return
    for occurs_on, group in rows.group_by("occurs_on"):
        ids = group["customer_id"].to_list()
        for start in range(0, len(ids), CHUNK):
            batch = queue_many(
                Customer.objects.filter(pk__in=ids[start : start + CHUNK]),
                template=template,
                actor=None,
                due=due,
                context={"date": occurs_on[0]},
            )
            result.queued += batch.queued
            result.unrenderable += batch.unrenderable
            for reason, n in batch.suppressed.items():
                result.suppressed[reason] = result.suppressed.get(reason, 0) + n


def _fire_journey(journey: Journey, touches: pl.DataFrame, orders, day, result) -> None:
    firings = touches.select("customer_id", "occurs_on").unique()
    actions = {a.pk: a for a in journey.actions.all()}
    try:
        with transaction.atomic():
            JourneyFiring.objects.bulk_create(
                [
                    JourneyFiring(
                        organization_id=journey.organization_id,
                        journey=journey,
                        customer_id=c,
                        occurs_on=o,
                        fired_on=day,
                    )
                    for c, o in firings.iter_rows()
                ],
                batch_size=2000,
            )
            for (action_id,), rows in touches.group_by("action_id"):
                action = actions.get(action_id)
                if action is None:
                    continue
                if action.kind == ActionKind.SEND:
                    _send(action, rows, orders, day, result)
                elif action.kind == ActionKind.CALL:
                    ScheduledContact.objects.bulk_create(
                        [
                            ScheduledContact(
                                organization_id=journey.organization_id,
                                customer_id=c,
                                due_on=day,
                                reason=(JOURNEY_PREFIX + journey.name)[:40],
                                anchor_on=o,
                            )
                            for c, o in rows.select("customer_id", "occurs_on").iter_rows()
                        ],
                        batch_size=2000,
                    )
                    result.calls += rows.height
                else:
                    homes = dict(
                        Customer.objects.filter(pk__in=rows["customer_id"].to_list()).values_list(
                            "pk", "home_store_id"
                        )
                    )
                    StoreTask.objects.bulk_create(
                        [
                            StoreTask(
                                organization_id=journey.organization_id,
                                customer_id=c,
                                store_id=homes.get(c),
                                title=action.task,
                                due_on=day + timedelta(days=action.due_days),
                                journey=journey,
                            )
                            for c in rows["customer_id"].to_list()
                        ],
                        batch_size=2000,
                    )
                    result.store_tasks += rows.height
            record_event(
                journey.organization,
                actor=None,
                action="journey.fire",
                target=journey,
                day=day.isoformat(),
                customers=firings.height,
            )
    except IntegrityError:
        # A concurrent tick recorded these firings first: it does the actions.
        return
    result.fired += firings.height


def run_day(organization, day: date) -> DayResult:
    """Fire the journeys due on `day` for the customers they have not fired for yet
    (a second run does nothing). Returns what was done."""
    journeys, touches, orders = plan(organization, day, day)
    touches = not_yet_fired(touches)
    result = DayResult()
    for (journey_id,), rows in touches.group_by("journey_id", maintain_order=True):
        _fire_journey(journeys[journey_id], rows, orders, day, result)
    return result


@dataclass
class Touch:
    customer_id: int
    code: str
    journey: str
    occurs_on: date
    tier: str
    channel: str
    action: str
    template: str
    reason: str  # a Suppression value or ""
    reason_label: str
    fired: bool


def _reasons(action: JourneyAction, ids: list[int], day, settings: MessagingSettings) -> dict:
    template = action.template
    if template is None or not template.is_active:
        return dict.fromkeys(ids, Suppression.AUDIENCE)
    due = due_at(action.journey, day)
    quiet = (
        template.purpose == Purpose.MARKETING
        and in_quiet_hours(settings, due)
        and settings.quiet_action == MessagingSettings.QuietAction.SUPPRESS
    )
    if quiet:
        return dict.fromkeys(ids, Suppression.QUIET_HOURS)
    if template.channel == MessageChannel.EMAIL and not hasattr(Customer, "email"):
        return dict.fromkeys(ids, Suppression.NO_ADDRESS)
    reasons = {}
    for start in range(0, len(ids), CHUNK):
        reasons.update(
            classify(
                Customer.objects.filter(pk__in=ids[start : start + CHUNK]),
                action.journey.organization,
                channel=template.channel,
                purpose=template.purpose,
                now=due,
            )
        )
    return reasons


def preview_day(organization, day: date, *, customers=None) -> list[Touch]:
    """Every touch planned for `day` (fired already or not) with the reason a message
    would not be sent, as the rules stand now."""
    journeys, touches, _orders = plan(organization, day, day, customers=customers)
    if touches.is_empty():
        return []
    pending = not_yet_fired(touches).select("journey_id", "customer_id", "occurs_on")
    pending = {tuple(r) for r in pending.iter_rows()}
    ids = touches["customer_id"].unique().to_list()
    people = {}
    for start in range(0, len(ids), CHUNK):
        people.update(
            {
                pk: (code, tier)
                for pk, code, tier in Customer.objects.filter(
                    pk__in=ids[start : start + CHUNK]
                ).values_list("pk", "code", "tier")
            }
        )
    settings = messaging_settings(organization)
    actions = {a.pk: a for j in journeys.values() for a in j.actions.all()}
    labels = dict(Suppression.choices)
    found = []
    for (action_id,), rows in touches.group_by("action_id", maintain_order=True):
        action = actions[action_id]
        row_ids = rows["customer_id"].to_list()
        reasons = _reasons(action, row_ids, day, settings) if action.kind == ActionKind.SEND else {}
        template = action.template
        channel = (
            template.get_channel_display()
            if action.kind == ActionKind.SEND and template
            else (MessageChannel.PHONE.label if action.kind == ActionKind.CALL else "")
        )
        for journey_id, customer_id, occurs_on in rows.select(
            "journey_id", "customer_id", "occurs_on"
        ).iter_rows():
            code, tier = people.get(customer_id, ("", ""))
            reason = reasons.get(customer_id, "")
            found.append(
                Touch(
                    customer_id=customer_id,
                    code=code,
                    journey=action.journey.name,
                    occurs_on=occurs_on,
                    tier=tier or "—",
                    channel=str(channel),
                    action=action.task or str(action.get_kind_display()),
                    template=template.name if template and action.kind == ActionKind.SEND else "",
                    reason=reason,
                    reason_label=str(labels.get(reason, "")) if reason else "",
                    fired=(journey_id, customer_id, occurs_on) not in pending,
                )
            )
    return found


def suppression_summary(touches: list[Touch]) -> dict:
    """Messages to send and not to send (by reason label), calls and store tasks."""
    sends = [t for t in touches if t.template]
    held = Counter(t.reason_label for t in sends if t.reason)
    return {
        "messages": len(sends),
        "to_send": sum(1 for t in sends if not t.reason),
        "held": sorted(held.items(), key=lambda x: -x[1]),
        "other": len(touches) - len(sends),
    }
