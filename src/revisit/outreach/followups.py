"""Follow-ups: claim a task, record what the customer said, schedule what comes next."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.appointments.services import book_appointment
from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Role, Staff
from revisit.customers.consents import SOURCE_CALL, set_consent
from revisit.customers.models import Customer, MarketingConsent, PhoneStatus, Satisfaction
from revisit.outreach.cadences import next_contact
from revisit.outreach.models import (
    Cadence,
    CallTask,
    ContactChannel,
    DeclineReason,
    DissatisfactionReason,
    FollowUp,
    Outcome,
    OutreachSettings,
    OutreachState,
    ScheduledContact,
)
from revisit.outreach.revisits import PREFIX as REVISIT_PREFIX

DOUBLE_SUBMIT_WINDOW = timedelta(minutes=2)
# Calls a timed journey schedules (revisit.journeys): "journey:<its name>".
JOURNEY_PREFIX = "journey:"

# The contacts an outcome schedules (its own kind): the next outcome replaces them. The
# post-treatment revisits (`revisit:CATEGORY`) and any other program's contacts keep
# their own schedule whatever a call's outcome.
OUTCOME_REASONS = (
    "confirm_appointment",
    "interested",
    "declined",
    "retry",
    "intent_1",
    "intent_2",
    "intent_3",
)

REASON_LABELS = {
    "confirm_appointment": gettext_lazy("Confirm the appointment the day before"),
    "interested": gettext_lazy("Interested: call again"),
    "declined": gettext_lazy("Declined: invite at the next campaign"),
    "retry": gettext_lazy("Unreachable: call again"),
    "intent_1": gettext_lazy("Intent 1 follow-up"),
    "intent_2": gettext_lazy("Intent 2 follow-up"),
    "intent_3": gettext_lazy("Intent 3 follow-up"),
    "campaign": gettext_lazy("Invited again: a campaign for her starts"),
    # Course cards (revisit.outreach.course_calls): sessions unused or about to expire.
    "course_card": gettext_lazy("Course card: sessions left unused or about to expire"),
    # Seed 003, day 5: the formal member card is at the store (revisit.wallet.membership).
    "membership_card": gettext_lazy("Formal member card ready: call her to collect it"),
}


def contact_reason_label(reason: str) -> str:
    """What a scheduled contact is for, in the user's language (never the code)."""
    if reason in REASON_LABELS:
        return str(REASON_LABELS[reason])
    if reason.startswith(JOURNEY_PREFIX):
        return _("Journey: %(name)s") % {"name": reason.removeprefix(JOURNEY_PREFIX)}
    if reason.startswith(REVISIT_PREFIX):
        return _("Post-treatment revisit: %(category)s") % {
            "category": reason.removeprefix(REVISIT_PREFIX)
        }
    return reason


class FollowUpError(ValueError):
    """A follow-up that cannot be recorded as given; the message is for the user."""


def outreach_settings(organization) -> OutreachSettings:
    settings, _ = OutreachSettings.objects.get_or_create(organization=organization)
    return settings


def claim_task(task_id: int, *, actor: Staff, now=None) -> bool:
    """Take a task to work it. Atomic: of two people claiming at once, one wins; the
    assignee may claim again (a page reload) without effect."""
    now = now or timezone.now()
    won = CallTask.objects.filter(
        pk=task_id, status=CallTask.Status.OPEN, claimed_by__isnull=True
    ).update(claimed_by=actor, claimed_at=now)
    if won:
        return True
    return CallTask.objects.filter(pk=task_id, claimed_by=actor).exists()


@dataclass(frozen=True)
class Recorded:
    followup: FollowUp
    created: bool


def record_followup(
    target: CallTask | Customer,
    *,
    actor: Staff,
    channel: str,
    outcome: str,
    intent: int | None = None,
    decline_reason: str = "",
    note: str = "",
    appointment_at: datetime | None = None,
    event_on: date | None = None,
    next_campaign_on: date | None = None,
    opt_out_channels: Iterable[str] = (),
    satisfaction: str = "",
    dissatisfaction_reason: str = "",
    now=None,
) -> Recorded:
    """Record one contact and apply what its outcome means:

    - valid_1 (arrival confirmed): needs `appointment_at`; books the appointment and
      schedules a re-confirmation the day before;
    - valid_2 (interested, time open): next contact by the intent cadence when an intent
      is given, else in `interested_next_days` (10) days, or 3 days before `event_on`;
    - valid_3 (declined): needs `decline_reason`; next contact at `next_campaign_on` or in
      `declined_next_days` (90) days;
    - valid_4 (bought elsewhere): needs `note`; the customer leaves call lists for the
      revisit team's queue;
    - invalid_1 (unreachable): a retry after `unreachable_retry_days`, at most
      `unreachable_max_retries` times in a row;
    - invalid_2 (number dead): the phone is flagged for a manager to confirm.

    Whatever the outcome, `opt_out_channels` records the customer's no to marketing on
    those channels (she asked on the call not to be contacted again), in the same
    transaction.

    Recording on a task that already has its follow-up returns that one (a double click
    stores one follow-up).
    """
    now = now or timezone.now()
    task = target if isinstance(target, CallTask) else None
    customer = task.customer if task else target
    if customer.organization_id != actor.organization_id:
        raise PermissionDenied
    _validate(
        outcome,
        channel,
        intent,
        decline_reason,
        note,
        appointment_at,
        [event_on, next_campaign_on],
        local_date(customer.organization, now),
    )
    _validate_survey(satisfaction, dissatisfaction_reason)
    opt_out = sorted({str(c) for c in opt_out_channels})
    for value in opt_out:
        if value not in MarketingConsent.Channel.values:
            raise FollowUpError(_("Unknown consent channel: %(value)s") % {"value": value})
    if task is not None:
        existing = FollowUp.objects.filter(task=task).first()
    else:
        # Without a task, the same outcome by the same person moments ago is a double click.
        existing = FollowUp.objects.filter(
            customer=customer,
            actor=actor,
            outcome=outcome,
            contacted_at__gte=now - DOUBLE_SUBMIT_WINDOW,
            contacted_at__lte=now,
        ).first()
    if existing:
        return Recorded(existing, False)
    if task is not None and not claim_task(task.pk, actor=actor, now=now):
        raise FollowUpError(_("Another colleague is working this task."))
    org = customer.organization
    today = local_date(org, now)
    settings = outreach_settings(org)
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                organization=org,
                customer=customer,
                task=task,
                actor=actor,
                channel=channel,
                outcome=outcome,
                intent=intent,
                decline_reason=decline_reason,
                note=note,
                satisfaction=satisfaction,
                dissatisfaction_reason=dissatisfaction_reason,
                contacted_at=now,
            )
            if satisfaction:
                # The survey's answer is the customer's satisfaction from now on.
                Customer.objects.filter(pk=customer.pk).update(satisfaction=satisfaction)
            if task is not None:
                CallTask.objects.filter(pk=task.pk).update(status=CallTask.Status.DONE)
            _complete_due_contacts(customer, task, today)
            _apply_outcome(followup, settings, today, appointment_at, event_on, next_campaign_on)
            followup.save()
            for value in opt_out:
                set_consent(
                    customer,
                    actor=actor,
                    channel=value,
                    granted=False,
                    source=SOURCE_CALL,
                    now=now,
                )
            record_event(
                org,
                actor=actor,
                action="followup.record",
                target=customer,
                outcome=outcome,
                intent=intent,
                task=task.pk if task else None,
                satisfaction=satisfaction or None,
            )
    except IntegrityError:
        # The same task recorded at the same moment by a second request.
        return Recorded(FollowUp.objects.get(task=task), False)
    return Recorded(followup, True)


MAX_DAYS_AHEAD = 3 * 366  # no appointment or planned contact further out than this


def _validate_survey(satisfaction: str, reason: str) -> None:
    if satisfaction and satisfaction not in Satisfaction.values:
        raise FollowUpError(_("Unknown satisfaction level: %(value)s") % {"value": satisfaction})
    if reason and reason not in DissatisfactionReason.values:
        raise FollowUpError(_("Unknown reason: %(value)s") % {"value": reason})
    if reason and not satisfaction:
        raise FollowUpError(_("A reason for dissatisfaction needs the satisfaction level."))


def _validate(outcome, channel, intent, decline_reason, note, appointment_at, dates, today) -> None:
    if outcome not in Outcome.values:
        raise FollowUpError(_("Unknown outcome: %(value)s") % {"value": outcome})
    if channel not in ContactChannel.values:
        raise FollowUpError(_("Unknown contact channel: %(value)s") % {"value": channel})
    if decline_reason and decline_reason not in DeclineReason.values:
        raise FollowUpError(_("Unknown decline reason: %(value)s") % {"value": decline_reason})
    if intent not in (None, 1, 2, 3):
        raise FollowUpError(_("The intent level must be 1, 2 or 3."))
    if outcome == Outcome.VALID_1 and appointment_at is None:
        raise FollowUpError(_("Valid 1 needs the arrival time."))
    if outcome == Outcome.VALID_3 and not decline_reason:
        raise FollowUpError(_("Valid 3 needs the reason for declining."))
    if outcome == Outcome.VALID_4 and not note.strip():
        raise FollowUpError(_("Valid 4 needs a note."))
    if appointment_at is not None and timezone.is_naive(appointment_at):
        raise FollowUpError(_("The arrival time needs a time zone."))
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    for day in [appointment_at.date() if appointment_at else None, *dates]:
        if day is not None and not today - timedelta(days=1) <= day <= latest:
            raise FollowUpError(
                _("The date %(day)s should be between today and three years ahead.") % {"day": day}
            )


def _complete_due_contacts(customer: Customer, task: CallTask | None, today: date) -> None:
    """Mark done the scheduled contacts this call served. Every conversation answers the
    due contacts of the outcome kind (the cadence's or retry's call is this call); the
    post-treatment revisits and other programs' contacts only when the call list put
    the customer on this task for them (a task made from due contacts, at the day it was
    made), so an activation call never ticks off a treatment revisit."""
    served = Q(reason__in=OUTCOME_REASONS)
    if task is not None and task.source == CallTask.Source.SCHEDULED:
        served |= Q(due_on__lte=task.first_due_date or task.due_date)
    ScheduledContact.objects.filter(
        served, customer=customer, status=ScheduledContact.Status.PENDING, due_on__lte=today
    ).update(status=ScheduledContact.Status.DONE)


def _schedule(
    followup: FollowUp, due_on: date | None, reason: str, *, cadence=None, anchor=None
) -> None:
    """The outcome's next contact replaces the pending contacts of the outcome kind only."""
    ScheduledContact.objects.filter(
        customer=followup.customer,
        status=ScheduledContact.Status.PENDING,
        reason__in=OUTCOME_REASONS,
    ).update(status=ScheduledContact.Status.CANCELLED)
    if due_on is not None:
        ScheduledContact.objects.create(
            organization=followup.organization,
            customer=followup.customer,
            due_on=due_on,
            reason=reason,
            cadence=cadence,
            anchor_on=anchor,
        )
    followup.next_contact_on = due_on


def _intent_next(followup: FollowUp, today: date) -> tuple[date | None, Cadence | None, date]:
    cadence = Cadence.objects.filter(
        organization=followup.organization, key=f"intent_{followup.intent}"
    ).first()
    if cadence is None:
        return None, None, today
    # Keep counting from where this intent's cadence started, so days 7 and 20 stay put.
    previous = (
        ScheduledContact.objects.filter(customer=followup.customer, cadence=cadence)
        .exclude(anchor_on=None)
        .order_by("-created_at")
        .first()
    )
    anchor = previous.anchor_on if previous else today
    return next_contact(cadence, anchor, after=today), cadence, anchor


def _apply_outcome(followup, settings, today, appointment_at, event_on, next_campaign_on):
    state, _ = OutreachState.objects.get_or_create(customer=followup.customer)
    outcome = followup.outcome
    if outcome != Outcome.INVALID_1:
        state.unreachable_count = 0
    if outcome == Outcome.VALID_1:
        appointment = book_appointment(
            followup.customer,
            starts_at=appointment_at,
            actor=followup.actor,
            now=followup.contacted_at,
        )
        followup.appointment = appointment
        day_before = local_date(followup.organization, appointment_at) - timedelta(days=1)
        _schedule(followup, max(day_before, today), "confirm_appointment")
    elif outcome == Outcome.VALID_2:
        due, cadence, anchor = (None, None, None)
        if followup.intent:
            due, cadence, anchor = _intent_next(followup, today)
        if due is None:
            due = today + timedelta(days=settings.interested_next_days)
            if event_on is not None:
                due = min(due, event_on - timedelta(days=3))
            due = max(due, today + timedelta(days=1))
        _schedule(
            followup,
            due,
            f"intent_{followup.intent}" if cadence else "interested",
            cadence=cadence,
            anchor=anchor,
        )
    elif outcome == Outcome.VALID_3:
        due = next_campaign_on or today + timedelta(days=settings.declined_next_days)
        _schedule(followup, due, "declined")
    elif outcome == Outcome.VALID_4:
        state.queue = OutreachState.Queue.REVISIT_TEAM
        _schedule(followup, None, "")
    elif outcome == Outcome.INVALID_1:
        state.unreachable_count += 1
        if state.unreachable_count <= settings.unreachable_max_retries:
            _schedule(followup, today + timedelta(days=settings.unreachable_retry_days), "retry")
        else:
            _schedule(followup, None, "")
    elif outcome == Outcome.INVALID_2:
        _schedule(followup, None, "")
        _set_phone_status(followup.customer, PhoneStatus.REVIEW, actor=followup.actor)
    state.save()


def _set_phone_status(customer: Customer, status: str, *, actor: Staff) -> None:
    before = customer.phone_status
    Customer.objects.filter(pk=customer.pk).update(phone_status=status)
    customer.phone_status = status
    record_event(
        customer.organization,
        actor=actor,
        action="phone.status",
        target=customer,
        before=before,
        after=status,
    )


def confirm_dead_number(customer: Customer, *, actor: Staff, dead: bool = True) -> None:
    """A store manager (or admin) confirms a flagged number dead (or valid after all)."""
    allowed = any(
        a.role == Role.ADMIN
        or (a.role == Role.STORE_MANAGER and a.store_id == customer.home_store_id)
        for a in actor.role_assignments.all()
    )
    if not allowed or actor.organization_id != customer.organization_id:
        raise PermissionDenied(_("Only a store manager or an admin may confirm a dead number."))
    if customer.phone_status != PhoneStatus.REVIEW:
        raise FollowUpError(_("The number is not flagged for review."))
    with transaction.atomic():
        _set_phone_status(customer, PhoneStatus.DEAD if dead else PhoneStatus.VALID, actor=actor)


def reassign_task(task: CallTask, *, to: Staff, actor: Staff) -> CallTask:
    """Hand an open, unclaimed task to someone else (audited)."""
    with transaction.atomic():
        moved = CallTask.objects.filter(
            pk=task.pk, status=CallTask.Status.OPEN, claimed_by__isnull=True
        ).update(assignee=to)
        if not moved:
            raise FollowUpError(_("The task is being worked or done; it cannot be reassigned."))
        record_event(
            task.organization,
            actor=actor,
            action="calltask.reassign",
            target=task,
            from_staff=task.assignee_id,
            to_staff=to.pk,
        )
    task.refresh_from_db()
    return task
