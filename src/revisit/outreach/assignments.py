"""The revisit team (四部回访组) and who works whom: customers handed over by 有效四级
(bought elsewhere) and 无效二级 (number flagged dead), returning them to the call lists,
and moving tasks or customers to another staff member (e.g. when someone leaves).

Callers pass querysets already scoped by the access helpers; these services check what
the scope cannot (same organization, a person who takes calls, a reason)."""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.models import Role, Staff
from revisit.customers.models import Customer, CustomerChange, PhoneStatus
from revisit.outreach.models import CallTask, OutreachState

# Who may work a task or own customers: the people call lists are made for.
ASSIGNABLE_ROLES = [Role.CONSULTANT, Role.CALLER]


class AssignmentError(ValueError):
    """A request these services refuse; the message is for the user."""


def revisit_team_queue(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Of `customers`, those the revisit team works: handed over (有效四级) or with a
    number flagged for review (无效二级)."""
    return customers.filter(
        Q(outreach_state__queue=OutreachState.Queue.REVISIT_TEAM)
        | Q(phone_status=PhoneStatus.REVIEW)
    )


def assignable_staff(organization) -> QuerySet[Staff]:
    """Active consultants and callers of the organization."""
    return (
        Staff.objects.filter(
            organization=organization,
            is_active=True,
            role_assignments__role__in=ASSIGNABLE_ROLES,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def _check(actor: Staff, to: Staff | None, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentError(_("Give a reason for the change."))
    if to is not None and not assignable_staff(actor.organization).filter(pk=to.pk).exists():
        raise AssignmentError(_("Choose an active consultant or caller of your organization."))
    return reason


def return_to_call_lists(customer: Customer, *, actor: Staff, reason: str = "") -> None:
    """Take a customer out of the revisit team's queue: the call lists may list her again."""
    if customer.phone_status == PhoneStatus.REVIEW:
        raise AssignmentError(_("Confirm or clear the flagged number first."))
    with transaction.atomic():
        state, _created = OutreachState.objects.select_for_update().get_or_create(customer=customer)
        before = state.queue
        state.queue = OutreachState.Queue.CALL_LISTS
        state.unreachable_count = 0
        state.save()
        record_event(
            customer.organization,
            actor=actor,
            action="outreach.return_to_lists",
            target=customer,
            before=before,
            reason=(reason or "").strip(),
        )


def reassign_tasks(tasks: QuerySet[CallTask], *, to: Staff, actor: Staff, reason: str) -> int:
    """Move the open tasks among `tasks` that nobody is working to `to`, in one audited
    change. Tasks being worked or done stay where they are. Returns how many moved."""
    reason = _check(actor, to, reason)
    with transaction.atomic():
        movable = tasks.filter(
            organization=actor.organization,
            status=CallTask.Status.OPEN,
            claimed_by__isnull=True,
        ).exclude(assignee=to)
        moved = list(movable.select_for_update(of=("self",)).values_list("pk", "assignee_id"))
        CallTask.objects.filter(pk__in=[pk for pk, _a in moved]).update(assignee=to)
        if moved:
            record_event(
                actor.organization,
                actor=actor,
                action="calltask.reassign",
                to_staff=to.pk,
                reason=reason,
                count=len(moved),
                tasks={str(pk): from_staff for pk, from_staff in moved},
            )
    return len(moved)


def reassign_owner(customers: QuerySet[Customer], *, to: Staff, actor: Staff, reason: str) -> int:
    """Make `to` the owner (归属人) of `customers`, in one audited change; their open tasks
    that the previous owner held and nobody is working follow them. Returns how many
    customers changed owner."""
    reason = _check(actor, to, reason)
    with transaction.atomic():
        changed = list(
            customers.filter(organization=actor.organization)
            .exclude(owner=to)
            .select_for_update(of=("self",))
            .values_list("pk", "owner_id")
        )
        ids = [pk for pk, _o in changed]
        Customer.objects.filter(pk__in=ids).update(owner=to)
        _keep_owner_history(changed, to=to, actor=actor, reason=reason)
        tasks_moved = 0
        for pk, owner_id in changed:
            if owner_id is not None:
                tasks_moved += CallTask.objects.filter(
                    customer_id=pk,
                    assignee_id=owner_id,
                    status=CallTask.Status.OPEN,
                    claimed_by__isnull=True,
                ).update(assignee=to)
        if changed:
            record_event(
                actor.organization,
                actor=actor,
                action="customer.reassign_owner",
                to_staff=to.pk,
                reason=reason,
                count=len(changed),
                tasks_moved=tasks_moved,
                customers={str(pk): owner_id for pk, owner_id in changed},
            )
    return len(changed)


def _keep_owner_history(changed: list[tuple[int, int | None]], *, to, actor, reason) -> None:
    """One field-history row per customer whose owner changed (the card shows them)."""
    names = {s.pk: str(s) for s in Staff.objects.filter(pk__in={o for _c, o in changed if o})}
    now = timezone.now()
    CustomerChange.objects.bulk_create(
        [
            CustomerChange(
                organization_id=actor.organization_id,
                customer_id=pk,
                actor=actor,
                changed_at=now,
                kind=CustomerChange.Kind.OWNER,
                field="owner",
                before=names.get(owner_id, ""),
                after=str(to),
                reason=reason[:200],
            )
            for pk, owner_id in changed
        ],
        batch_size=2000,
    )


def hand_over_staff(
    customers: QuerySet[Customer],
    tasks: QuerySet[CallTask],
    *,
    leaving: Staff,
    to: Staff,
    actor: Staff,
    reason: str,
) -> tuple[int, int]:
    """When someone leaves: `to` becomes the owner of the customers `leaving` owned and
    takes the open tasks `leaving` held (among those given, already scoped), in one
    transaction. Returns (customers, tasks) moved."""
    if leaving.pk == to.pk:
        raise AssignmentError(_("Choose two different staff members."))
    with transaction.atomic():
        owned = reassign_owner(customers.filter(owner=leaving), to=to, actor=actor, reason=reason)
        held = reassign_tasks(tasks.filter(assignee=leaving), to=to, actor=actor, reason=reason)
    return owned, held
