"""The course-card call list (seed 000, script 2: "您在系统里还有一个 XX 项目没有做…因为权限
就要到期了"): customers whose course card has sessions left and expires soon, or was not
used for a long time, get a scheduled contact today; the day's call-list generation hands
it to a caller with the course-card script, her card's item, sessions left and expiry
filled in."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce

from revisit.core.audit import record_event
from revisit.core.clock import day_bounds
from revisit.core.models import Organization, Staff
from revisit.outreach.calllists import Generated, generate_call_lists
from revisit.outreach.models import ScheduledContact
from revisit.wallet.course_cards import course_card_settings
from revisit.wallet.models import Account, AccountKind, AccountStatus, EntryKind

REASON = "course_card"


@dataclass
class CourseCardCalls:
    scheduled: int
    expiring: int
    unused: int
    generated: Generated | None = None


def schedule_course_card_calls(
    organization: Organization,
    *,
    day: date,
    actor: Staff | None = None,
    expiry_days: int | None = None,
    unused_days: int | None = None,
) -> CourseCardCalls:
    """Schedule a contact today for each customer with an unexpired course card that has
    sessions left and expires within `expiry_days`, or had no session used for
    `unused_days` (both default to the organization's course-card settings). One contact
    per card expiry (or per unused stretch): running it again schedules nothing twice."""
    settings = course_card_settings(organization)
    expiry_days = expiry_days or settings.expiry_days
    unused_days = unused_days or settings.unused_days
    quiet_since, _ = day_bounds(organization, day - timedelta(days=unused_days))
    cards = (
        Account.objects.filter(
            organization=organization,
            kind=AccountKind.COURSE_CARD,
            status=AccountStatus.ACTIVE,
            balance__gt=0,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .annotate(
            last_used=Coalesce(
                Max("entries__created_at", filter=Q(entries__kind=EntryKind.SPEND)), "opened_at"
            )
        )
        .filter(Q(expires_on__lte=day + timedelta(days=expiry_days)) | Q(last_used__lt=quiet_since))
        .order_by("customer_id", "expires_on", "pk")
    )
    # The first card of each customer that is due (the one expiring first).
    due: dict[int, tuple[date, bool]] = {}
    for customer_id, expires_on, last_used in cards.values_list(
        "customer_id", "expires_on", "last_used"
    ):
        expiring = expires_on is not None and expires_on <= day + timedelta(days=expiry_days)
        anchor = expires_on if expiring else last_used.date()
        current = due.get(customer_id)
        if current is None or (expiring and not current[1]):
            due[customer_id] = (anchor, expiring)
    with transaction.atomic():
        known = set(
            ScheduledContact.objects.filter(
                organization=organization, reason=REASON, customer_id__in=list(due)
            )
            .filter(Q(status=ScheduledContact.Status.PENDING) | Q(anchor_on__isnull=False))
            .values_list("customer_id", "anchor_on", "status")
        )
        pending = {c for c, _, status in known if status == ScheduledContact.Status.PENDING}
        done = {(c, anchor) for c, anchor, _ in known}
        new = [
            ScheduledContact(
                organization=organization,
                customer_id=customer_id,
                due_on=day,
                reason=REASON,
                anchor_on=anchor,
            )
            for customer_id, (anchor, _) in sorted(due.items())
            if customer_id not in pending and (customer_id, anchor) not in done
        ]
        ScheduledContact.objects.bulk_create(new)
        expiring = sum(1 for c in new if due[c.customer_id][1])
        result = CourseCardCalls(len(new), expiring, len(new) - expiring)
        record_event(
            organization,
            actor=actor,
            action="course_card.calls",
            date=day.isoformat(),
            scheduled=result.scheduled,
            expiry_days=expiry_days,
            unused_days=unused_days,
        )
    return result


def generate_course_card_calls(
    organization: Organization,
    *,
    day: date,
    actor: Staff | None = None,
    expiry_days: int | None = None,
    unused_days: int | None = None,
) -> CourseCardCalls:
    """Schedule the course-card contacts (above) and generate the day's call lists, so
    that they are on the callers' queues now."""
    result = schedule_course_card_calls(
        organization, day=day, actor=actor, expiry_days=expiry_days, unused_days=unused_days
    )
    result.generated = generate_call_lists(organization, date=day, actor=actor)
    return result
