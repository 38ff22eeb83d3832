"""Journey services: install the defaults, edit a journey and its action rows, work the
store's tasks. Each is one transaction with one audit event."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.changes import save_changes
from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.journeys import defaults
from revisit.journeys.models import (
    ActionKind,
    Journey,
    JourneyAction,
    Membership,
    StoreTask,
    Trigger,
)
from revisit.messaging.models import MessageTemplate

JOURNEY_FIELDS = ["name", "days", "event_on", "season_days", "send_at", "is_active"]
MAX_DAYS = 60
MAX_ACTIONS = 40
# A problem raised on the satisfaction call must be answered within this many days.
PROBLEM_DUE_DAYS = 3


class JourneyError(ValueError):
    """A journey change refused; the message is for the user, in her language."""


def _require_admin(actor, organization_id: int) -> None:
    if actor is None or actor.organization_id != organization_id:
        raise PermissionDenied
    if not actor.role_assignments.filter(role=Role.ADMIN).exists():
        raise PermissionDenied


def install_default_journeys(organization) -> int:
    """Add the default journeys (and the templates they send) to an organization that
    has none; returns how many were added. Idempotent."""
    if Journey.objects.filter(organization=organization).exists():
        return 0
    try:
        with transaction.atomic():
            templates = {}
            for name, (channel, purpose, body, body_other, subject) in defaults.TEMPLATES.items():
                templates[name], _created = MessageTemplate.objects.get_or_create(
                    organization=organization,
                    name=name,
                    defaults={
                        "channel": channel,
                        "purpose": purpose,
                        "body": body,
                        "body_non_member": body_other,
                        "subject": subject,
                    },
                )
            for position, (name, trigger, holiday, days, rows, extra) in enumerate(
                defaults.JOURNEYS
            ):
                journey = Journey.objects.create(
                    organization=organization,
                    name=name,
                    trigger=trigger,
                    holiday=holiday,
                    days=days,
                    position=position,
                    **extra,
                )
                JourneyAction.objects.bulk_create(
                    [
                        JourneyAction(
                            journey=journey,
                            kind=row["kind"],
                            tier=row.get("tier", ""),
                            membership=row.get("membership", Membership.MEMBER),
                            template=templates.get(row.get("template")),
                            task=row.get("task", ""),
                            due_days=row.get("due_days", 0),
                        )
                        for row in rows
                    ]
                )
            record_event(
                organization,
                actor=None,
                action="journey.install_defaults",
                journeys=len(defaults.JOURNEYS),
            )
    except IntegrityError:
        # Installed by a concurrent request or tick.
        return 0
    return len(defaults.JOURNEYS)


def journeys_of(organization):
    """The organization's journeys (the defaults installed on first use)."""
    install_default_journeys(organization)
    return Journey.objects.filter(organization=organization).prefetch_related("actions__template")


def parse_season_days(text: str) -> tuple[tuple[int, int], ...]:
    """'03-01,06-01' → ((3, 1), (6, 1)); raises JourneyError on anything else."""
    days = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            month, day = (int(x) for x in part.split("-"))
            date(2024, month, day)  # a leap year: 02-29 is a date
        except ValueError:
            raise JourneyError(
                _("Write the season dates as month-day, e.g. 03-01,06-01.")
            ) from None
        days.append((month, day))
    if len(days) > 12:
        raise JourneyError(_("At most 12 season dates."))
    return tuple(days)


def _check_journey(journey: Journey, changes: dict) -> dict:
    values = {k: v for k, v in changes.items() if k in JOURNEY_FIELDS}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"] or len(values["name"]) > 60:
            raise JourneyError(_("Give the journey a name of at most 60 characters."))
    if "days" in values and not (0 <= int(values["days"]) <= MAX_DAYS):
        raise JourneyError(_("Days must be between 0 and %(max)s.") % {"max": MAX_DAYS})
    if "season_days" in values:
        values["season_days"] = ",".join(
            f"{m:02d}-{d:02d}" for m, d in parse_season_days(values["season_days"])
        )
    trigger = journey.trigger
    active = values.get("is_active", journey.is_active)
    if trigger == Trigger.EVENT and active and not values.get("event_on", journey.event_on):
        raise JourneyError(_("Set the event's date before turning this journey on."))
    if (
        trigger == Trigger.NEW_SEASON
        and active
        and not values.get("season_days", journey.season_days)
    ):
        raise JourneyError(_("Give at least one season date."))
    return values


def _check_actions(journey: Journey, rows: list[dict]) -> list[JourneyAction]:
    if len(rows) > MAX_ACTIONS:
        raise JourneyError(_("At most %(n)s actions per journey.") % {"n": MAX_ACTIONS})
    built = []
    for row in rows:
        kind = row.get("kind")
        template = row.get("template")
        if kind not in ActionKind.values:
            raise JourneyError(_("Choose one of the listed actions."))
        if row.get("tier", "") not in ("", "SVIP", "A", "B", "C"):
            raise JourneyError(_("Choose one of the listed tiers."))
        if row.get("membership", Membership.ANY) not in Membership.values:
            raise JourneyError(_("Choose one of the listed values."))
        if kind == ActionKind.SEND:
            if template is None:
                raise JourneyError(_("A message action needs a template."))
            if template.organization_id != journey.organization_id:
                raise PermissionDenied
            if template.channel == "phone":
                raise JourneyError(_("A phone script is read out on a call, not sent."))
        title = (row.get("task") or "").strip()
        if kind == ActionKind.STORE_TASK and not title:
            raise JourneyError(_("Say what the store should do."))
        if len(title) > 100:
            raise JourneyError(_("At most %(n)d characters.") % {"n": 100})
        due_days = int(row.get("due_days") or 0)
        if not 0 <= due_days <= MAX_DAYS:
            raise JourneyError(_("Days must be between 0 and %(max)s.") % {"max": MAX_DAYS})
        built.append(
            JourneyAction(
                journey=journey,
                kind=kind,
                tier=row.get("tier", ""),
                membership=row.get("membership", Membership.ANY),
                template=template if kind == ActionKind.SEND else None,
                task=title,
                due_days=due_days,
            )
        )
    return built


def update_journey(journey: Journey, changes: dict, actions: list[dict] | None, *, actor) -> dict:
    """Change a journey and, when `actions` is given, replace its action rows (checked:
    templates of the organization, known tiers, a task's text). Audited."""
    _require_admin(actor, journey.organization_id)
    values = _check_journey(journey, changes)
    built = _check_actions(journey, actions) if actions is not None else None
    with transaction.atomic():
        diff = save_changes(journey, values, actor=actor, action="journey.edit") if values else {}
        if built is not None:
            before = [
                (a.kind, a.tier, a.membership, a.template_id, a.task) for a in journey.actions.all()
            ]
            after = [(a.kind, a.tier, a.membership, a.template_id, a.task) for a in built]
            if before != after:
                journey.actions.all().delete()
                JourneyAction.objects.bulk_create(built)
                record_event(
                    journey.organization,
                    actor=actor,
                    action="journey.actions",
                    target=journey,
                    actions=len(built),
                )
                diff = {**diff, "actions": (len(before), len(built))}
    return diff


def complete_store_task(task: StoreTask, *, actor, now=None) -> bool:
    """Mark a store task done (a second click changes nothing)."""
    now = now or timezone.now()
    if actor.organization_id != task.organization_id:
        raise PermissionDenied
    with transaction.atomic():
        done = StoreTask.objects.filter(pk=task.pk, status=StoreTask.Status.OPEN).update(
            status=StoreTask.Status.DONE, done_by=actor, done_at=now
        )
        if done:
            record_event(
                task.organization, actor=actor, action="store_task.done", target=task.customer
            )
    return bool(done)


def raise_problem_task(followup, *, now=None) -> StoreTask | None:
    """A problem logged on the satisfaction call after a purchase becomes a store task
    due in 3 days (problems are answered within three days). Only for a customer the
    day-3 call journey fired for in the past week; once per follow-up."""
    from revisit.customers.models import Satisfaction

    problem = followup.dissatisfaction_reason or followup.satisfaction == Satisfaction.DISSATISFIED
    if not problem:
        return None
    organization = followup.organization
    today = local_date(organization, now or followup.contacted_at)
    fired = (
        followup.customer.journey_firings.filter(
            journey__trigger=Trigger.PURCHASE,
            journey__actions__kind=ActionKind.CALL,
            fired_on__gte=today - timedelta(days=7),
            fired_on__lte=today,
        )
        .select_related("journey")
        .first()
    )
    if fired is None:
        return None
    reason = (
        followup.get_dissatisfaction_reason_display() if followup.dissatisfaction_reason else ""
    )
    title = _("Answer the problem raised on the call") + (f"：{reason}" if reason else "")
    if followup.note:
        title = f"{title}（{followup.note[:80]}）"
    try:
        with transaction.atomic():
            task = StoreTask.objects.create(
                organization=organization,
                customer=followup.customer,
                store=followup.customer.home_store,
                title=title[:200],
                due_on=today + timedelta(days=PROBLEM_DUE_DAYS),
                journey=fired.journey,
                followup=followup,
            )
            record_event(
                organization,
                actor=followup.actor,
                action="store_task.problem",
                target=followup.customer,
                due_on=task.due_on.isoformat(),
            )
    except IntegrityError:
        return None
    return task
