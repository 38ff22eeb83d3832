"""The revisit team's queue, returning customers to the lists, and audited hand-overs."""

from datetime import timedelta

import pytest

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.outreach.assignments import (
    AssignmentError,
    reassign_owner,
    reassign_tasks,
    return_to_call_lists,
    revisit_team_queue,
)
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.models import CallTask, OutreachState
from tests.factories import make_staff
from tests.outreach.conftest import DAY, graded

pytestmark = pytest.mark.django_db


def task_for(clinic, customer, assignee, **fields):
    return CallTask.objects.create(
        organization=clinic["org"], customer=customer, assignee=assignee, due_date=DAY, **fields
    )


def test_the_queue_holds_handed_over_customers_and_flagged_numbers(clinic):
    handed, flagged, normal = graded(clinic, "A1", 3)
    OutreachState.objects.create(customer=handed, queue=OutreachState.Queue.REVISIT_TEAM)
    Customer.objects.filter(pk=flagged.pk).update(phone_status="review")
    queue = revisit_team_queue(Customer.objects.filter(organization=clinic["org"]))
    assert set(queue) == {handed, flagged}
    assert normal not in queue


def test_a_returned_customer_is_listed_again(clinic):
    customer = graded(clinic, "A1", 1, owner=clinic["consultant"])[0]
    OutreachState.objects.create(
        customer=customer, queue=OutreachState.Queue.REVISIT_TEAM, unreachable_count=2
    )
    generate_call_lists(clinic["org"], date=DAY)
    assert not CallTask.objects.exists()
    return_to_call_lists(customer, actor=clinic["manager"], reason="已核实")
    generate_call_lists(clinic["org"], date=DAY + timedelta(days=1))
    assert CallTask.objects.get().customer == customer
    event = AuditEvent.objects.get(action="outreach.return_to_lists")
    assert event.data == {"before": "revisit_team", "reason": "已核实"}


def test_a_flagged_number_must_be_settled_before_returning(clinic):
    customer = graded(clinic, "A1", 1)[0]
    Customer.objects.filter(pk=customer.pk).update(phone_status="review")
    customer.refresh_from_db()
    with pytest.raises(AssignmentError, match="空号标记"):
        return_to_call_lists(customer, actor=clinic["manager"])


def test_tasks_move_to_another_person_with_a_reason_except_those_being_worked(clinic):
    leaving, taking = clinic["callers"]
    customers = graded(clinic, "B2", 3)
    tasks = [task_for(clinic, c, leaving) for c in customers]
    CallTask.objects.filter(pk=tasks[2].pk).update(claimed_by=leaving)
    selected = CallTask.objects.filter(pk__in=[t.pk for t in tasks])
    with pytest.raises(AssignmentError):
        reassign_tasks(selected, to=taking, actor=clinic["manager"], reason=" ")
    moved = reassign_tasks(selected, to=taking, actor=clinic["manager"], reason="离职")
    assert moved == 2
    assert [t.assignee for t in CallTask.objects.order_by("id")] == [taking, taking, leaving]
    event = AuditEvent.objects.get(action="calltask.reassign")
    assert event.actor == clinic["manager"] and event.data["reason"] == "离职"
    assert event.data["count"] == 2
    assert event.data["tasks"] == {str(tasks[0].pk): leaving.pk, str(tasks[1].pk): leaving.pk}


def test_only_consultants_and_callers_of_the_organization_take_work(clinic):
    customer = graded(clinic, "B2", 1)[0]
    task_for(clinic, customer, clinic["callers"][0])
    for wrong in (
        clinic["manager"],
        make_staff(clinic["org"], Role.PRACTITIONER, store=clinic["store"]),
    ):
        with pytest.raises(AssignmentError):
            reassign_tasks(CallTask.objects.all(), to=wrong, actor=clinic["manager"], reason="x")
    assert CallTask.objects.get().assignee == clinic["callers"][0]


def test_new_owner_takes_the_customers_and_their_untouched_tasks(clinic):
    leaving = clinic["consultant"]
    taking = make_staff(clinic["org"], Role.CONSULTANT, store=clinic["store"], name="元顾问")
    mine = graded(clinic, "A1", 3, owner=leaving)
    pooled = task_for(clinic, mine[0], clinic["callers"][0])  # a caller's task stays hers
    own = task_for(clinic, mine[1], leaving)
    changed = reassign_owner(
        Customer.objects.filter(pk__in=[c.pk for c in mine]),
        to=taking,
        actor=clinic["manager"],
        reason="离职交接",
    )
    assert changed == 3
    assert set(Customer.objects.filter(owner=taking)) == set(mine)
    pooled.refresh_from_db()
    own.refresh_from_db()
    assert pooled.assignee == clinic["callers"][0] and own.assignee == taking
    event = AuditEvent.objects.get(action="customer.reassign_owner")
    assert event.data["count"] == 3 and event.data["tasks_moved"] == 1
    assert event.data["customers"] == {str(c.pk): leaving.pk for c in mine}
