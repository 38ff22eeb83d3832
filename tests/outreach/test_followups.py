"""What each outcome code does, cadences, double clicks and audit events."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from revisit.appointments.models import Appointment
from revisit.core.models import AuditEvent
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.followups import (
    FollowUpError,
    confirm_dead_number,
    reassign_task,
    record_followup,
)
from revisit.outreach.models import CallTask, FollowUp, OutreachState, ScheduledContact
from revisit.outreach.revisits import schedule_treatment_revisits
from revisit.sales.models import Item
from tests.factories import make_order
from tests.outreach.conftest import DAY, at, graded

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(clinic):
    customer = graded(clinic, "A1", 1, owner=clinic["consultant"])[0]
    generate_call_lists(clinic["org"], date=DAY)
    return CallTask.objects.get(customer=customer)


def record(task_or_customer, actor, outcome, when=None, **kw):
    return record_followup(
        task_or_customer, actor=actor, channel="call", outcome=outcome, now=when or at(DAY), **kw
    )


def pending(customer):
    return list(
        ScheduledContact.objects.filter(customer=customer, status="pending").values_list(
            "due_on", "reason"
        )
    )


def test_valid_1_books_the_appointment_and_a_reminder_the_day_before(clinic, task):
    with pytest.raises(FollowUpError, match="^有效一级需要填写到院时间。$"):
        record(task, clinic["consultant"], "valid_1")
    visit = at(DAY + timedelta(days=2), 14)
    done = record(task, clinic["consultant"], "valid_1", appointment_at=visit, intent=1)
    appointment = Appointment.objects.get(customer=task.customer)
    assert appointment.starts_at == visit and appointment.staff == clinic["consultant"]
    assert done.followup.appointment == appointment
    assert pending(task.customer) == [(DAY + timedelta(days=1), "confirm_appointment")]
    task.refresh_from_db()
    assert task.status == "done"


def test_valid_2_next_contact_in_ten_days_or_three_days_before_the_event(clinic, task):
    done = record(task, clinic["consultant"], "valid_2")
    assert done.followup.next_contact_on == DAY + timedelta(days=10)
    other = graded(clinic, "A1", 1, owner=clinic["consultant"])[0]
    event = DAY + timedelta(days=8)
    done = record(other, clinic["consultant"], "valid_2", event_on=event)
    assert done.followup.next_contact_on == event - timedelta(days=3)


def test_valid_3_needs_a_reason_and_comes_back_at_the_next_campaign_or_in_90_days(clinic, task):
    with pytest.raises(FollowUpError, match="原因"):
        record(task, clinic["consultant"], "valid_3")
    done = record(task, clinic["consultant"], "valid_3", decline_reason="price")
    assert pending(task.customer) == [(DAY + timedelta(days=90), "declined")]
    other = graded(clinic, "A1", 1, owner=clinic["consultant"])[0]
    campaign = date(2024, 6, 18)
    record(other, clinic["consultant"], "valid_3", decline_reason="time", next_campaign_on=campaign)
    assert pending(other) == [(campaign, "declined")]
    assert done.followup.decline_reason == "price"


def test_valid_4_moves_the_customer_to_the_revisit_team_queue(clinic, task):
    with pytest.raises(FollowUpError, match="备注"):
        record(task, clinic["consultant"], "valid_4")
    record(task, clinic["consultant"], "valid_4", note="已在别家做了热玛吉")
    assert OutreachState.objects.get(customer=task.customer).queue == "revisit_team"
    assert pending(task.customer) == []
    generate_call_lists(clinic["org"], date=DAY + timedelta(days=30))
    assert not CallTask.objects.filter(customer=task.customer, status="open").exists()


def test_invalid_1_retries_on_a_later_day_at_most_three_times(clinic, task):
    customer, consultant = task.customer, clinic["consultant"]
    day = DAY
    for attempt in range(1, 5):
        record(customer, consultant, "invalid_1", when=at(day))
        expected = [(day + timedelta(days=1), "retry")] if attempt <= 3 else []
        assert pending(customer) == expected, attempt
        day += timedelta(days=1)
    record(customer, consultant, "valid_2", when=at(day))
    assert OutreachState.objects.get(customer=customer).unreachable_count == 0


def test_invalid_2_flags_the_number_until_a_manager_confirms_it_dead(clinic, task):
    customer = task.customer
    record(task, clinic["consultant"], "invalid_2")
    customer.refresh_from_db()
    assert customer.phone_status == "review"
    with pytest.raises(PermissionDenied):
        confirm_dead_number(customer, actor=clinic["consultant"])
    confirm_dead_number(customer, actor=clinic["manager"])
    customer.refresh_from_db()
    assert customer.phone_status == "dead"
    events = AuditEvent.objects.filter(action="phone.status").order_by("id")
    assert [(e.actor, e.data["after"]) for e in events] == [
        (clinic["consultant"], "review"),
        (clinic["manager"], "dead"),
    ]
    generate_call_lists(clinic["org"], date=DAY + timedelta(days=30))
    assert not CallTask.objects.filter(customer=customer, status="open").exists()


def test_a_double_click_stores_one_follow_up(clinic, task):
    first = record(task, clinic["consultant"], "valid_2")
    second = record(task, clinic["consultant"], "valid_2")
    assert first.created and not second.created
    assert second.followup == first.followup
    assert FollowUp.objects.count() == 1
    assert AuditEvent.objects.filter(action="followup.record").count() == 1


def test_a_task_claimed_by_one_colleague_cannot_be_worked_by_another(clinic, task):
    from revisit.outreach.followups import claim_task

    assert claim_task(task.pk, actor=clinic["consultant"])
    with pytest.raises(FollowUpError, match="其他同事"):
        record(task, clinic["callers"][0], "valid_2")
    with pytest.raises(FollowUpError):
        reassign_task(task, to=clinic["callers"][0], actor=clinic["manager"])


def test_reassigning_an_unclaimed_task_is_audited(clinic, task):
    reassign_task(task, to=clinic["callers"][1], actor=clinic["manager"])
    assert task.assignee == clinic["callers"][1]
    event = AuditEvent.objects.get(action="calltask.reassign")
    assert event.actor == clinic["manager"] and event.data["to_staff"] == clinic["callers"][1].pk


def test_intent_1_cadence_days_0_7_20(clinic, task):
    customer, consultant = task.customer, clinic["consultant"]
    record(task, consultant, "valid_2", intent=1)
    assert pending(customer) == [(DAY + timedelta(days=7), "intent_1")]
    record(customer, consultant, "valid_2", intent=1, when=at(DAY + timedelta(days=7)))
    assert pending(customer) == [(DAY + timedelta(days=20), "intent_1")]


def test_intent_2_from_next_month_on_the_10th_and_20th_across_a_year_end(clinic, task):
    customer, consultant = task.customer, clinic["consultant"]
    record(customer, consultant, "valid_2", intent=2, when=at(date(2024, 12, 15)))
    assert pending(customer) == [(date(2025, 1, 10), "intent_2")]
    record(customer, consultant, "valid_2", intent=2, when=at(date(2025, 1, 10)))
    assert pending(customer) == [(date(2025, 1, 20), "intent_2")]


def test_intent_3_monthly_from_the_month_after_next_at_a_month_end(clinic, task):
    customer, consultant = task.customer, clinic["consultant"]
    record(customer, consultant, "valid_2", intent=3, when=at(date(2023, 12, 31)))
    assert pending(customer) == [(date(2024, 2, 29), "intent_3")]


def test_today_is_the_organizations_local_date(clinic, task):
    # 17:00 UTC on 31 December is already 1 January in Shanghai.
    late = datetime(2024, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    done = record(task.customer, clinic["consultant"], "valid_2", when=late)
    assert done.followup.next_contact_on == date(2025, 1, 11)


def test_bad_values_are_refused_with_a_message(clinic, task):
    with pytest.raises(FollowUpError, match="未知"):
        record(task, clinic["consultant"], "valid_9")
    with pytest.raises(FollowUpError, match="意向"):
        record(task, clinic["consultant"], "valid_2", intent=5)
    assert not FollowUp.objects.exists()


def test_a_double_click_without_a_task_stores_one_follow_up(clinic):
    customer = graded(clinic, "B4", 1)[0]
    first = record(customer, clinic["consultant"], "valid_2", when=at(DAY, 10))
    again = record(
        customer, clinic["consultant"], "valid_2", when=at(DAY, 10) + timedelta(seconds=3)
    )
    later = record(customer, clinic["consultant"], "valid_2", when=at(DAY, 15))
    assert not again.created and again.followup == first.followup
    assert later.created and FollowUp.objects.filter(customer=customer).count() == 2


def test_bad_values_are_refused_in_the_active_language_only(clinic, task):
    from django.utils import translation

    with translation.override("en"), pytest.raises(FollowUpError) as refused:
        record(task, clinic["consultant"], "valid_3")
    assert str(refused.value) == "Valid 3 needs the reason for declining."
    with translation.override("zh-hans"), pytest.raises(FollowUpError) as refused:
        record(task, clinic["consultant"], "valid_3")
    assert str(refused.value) == "有效三级需要填写拒绝原因。"


def treated(clinic, customer, on):
    """An injection on `on`, with its post-treatment revisits (days 1, 7, 30) still ahead
    on DAY scheduled."""
    injection, _ = Item.objects.get_or_create(
        organization=clinic["org"], code="IJ", defaults={"name": "玻尿酸", "category": "注射"}
    )
    make_order(customer, "4800", on=on, item=injection)
    schedule_treatment_revisits(clinic["org"], day=DAY)


def test_an_outcome_replaces_only_the_contacts_of_its_own_kind(clinic, task):
    customer, consultant = task.customer, clinic["consultant"]
    treated(clinic, customer, DAY - timedelta(days=3))
    campaign = ScheduledContact.objects.create(
        organization=clinic["org"], customer=customer, due_on=date(2024, 6, 1), reason="campaign"
    )
    post_treatment = [
        (DAY + timedelta(days=4), "revisit:注射"),
        (date(2024, 6, 1), "campaign"),
        (DAY + timedelta(days=27), "revisit:注射"),
    ]
    record(task, consultant, "valid_2", intent=1)
    assert pending(customer) == sorted([*post_treatment, (DAY + timedelta(days=7), "intent_1")])
    # A 有效一级 replaces the intent cadence's contact; the day-30 revisit stays.
    visit = at(DAY + timedelta(days=3), 15)
    record(customer, consultant, "valid_1", appointment_at=visit, when=at(DAY, 16))
    assert pending(customer) == sorted(
        [*post_treatment, (DAY + timedelta(days=2), "confirm_appointment")]
    )
    for outcome, extra in [("valid_4", {"note": "别家做了"}), ("invalid_2", {})]:
        record(customer, consultant, outcome, when=at(DAY, 17), **extra)
        assert pending(customer) == sorted(post_treatment), outcome
    campaign.refresh_from_db()
    assert campaign.status == "pending"


def test_a_call_completes_the_due_contacts_it_was_for_and_no_others(clinic):
    customer = graded(clinic, "B4", 1)[0]
    consultant = clinic["consultant"]
    treated(clinic, customer, DAY - timedelta(days=1))  # day-1 revisit due today
    record(customer, consultant, "invalid_1", when=at(DAY - timedelta(days=1)))
    assert (DAY, "retry") in pending(customer)
    # A call from the customer's page answers the retry, not the treatment revisit due today.
    record(customer, consultant, "valid_2", when=at(DAY, 9))
    assert (DAY, "retry") not in pending(customer)
    assert (DAY, "revisit:注射") in pending(customer)
    # The call list puts her on tomorrow's list for that revisit; working that task
    # completes it, while the day-7 and day-30 revisits stay ahead.
    tomorrow = DAY + timedelta(days=1)
    generate_call_lists(clinic["org"], date=tomorrow)
    task = CallTask.objects.get(customer=customer, status="open")
    assert task.source == "scheduled"
    record(task, task.assignee, "valid_2", when=at(tomorrow))
    assert pending(customer) == [
        (DAY + timedelta(days=6), "revisit:注射"),
        (tomorrow + timedelta(days=10), "interested"),
        (DAY + timedelta(days=29), "revisit:注射"),
    ]
    revisit = ScheduledContact.objects.get(customer=customer, due_on=DAY, reason="revisit:注射")
    assert revisit.status == "done"
