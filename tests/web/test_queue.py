"""The call queue: record an outcome in place and watch the quota progress move."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from revisit.appointments.models import Appointment
from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.outreach.models import CallTask, FollowUp, ScheduledContact
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


def first_open_task(staff):
    """The first activation call (routine revisits do not count against the quota)."""
    return CallTask.objects.filter(
        assignee=staff,
        status=CallTask.Status.OPEN,
        due_date=local_date(staff.organization),
        source=CallTask.Source.SEGMENT,
    ).first()


def test_the_queue_shows_todays_tasks_with_strategy_and_masked_phone(client, demo):
    consultant = demo["consultant1"]
    task = first_open_task(consultant)
    assert task is not None
    client.force_login(consultant)
    page = client.get("/queue/").content.decode()
    assert f'id="task-{task.pk}"' in page
    assert task.strategy.name in page
    national = task.customer.mobile.removeprefix("+86")
    assert national not in page and f"{national[:3]}****{national[-4:]}" in page
    assert "0/30" in page  # calls against the consultant quota


def test_recording_valid_1_books_the_appointment_and_moves_the_progress(client, demo):
    consultant = demo["consultant1"]
    task = first_open_task(consultant)
    tomorrow = local_date(demo["org"]) + timedelta(days=1)
    client.force_login(consultant)
    response = client.post(
        f"/queue/tasks/{task.pk}/record/",
        {"outcome": "valid_1", "channel": "call", "appointment_at": f"{tomorrow}T10:30"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="valid_1"' in html
    assert 'hx-swap-oob="true"' in html
    assert re.search(r'id="calls-progress">1/30 ', html)
    assert re.search(r'id="appointments-progress">1/3 ', html)
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE
    appointment = Appointment.objects.get(customer=task.customer)
    local = timezone.localtime(appointment.starts_at)
    assert (local.date(), local.hour, local.minute) == (tomorrow, 10, 30)
    # A double submit stores nothing more.
    client.post(
        f"/queue/tasks/{task.pk}/record/",
        {"outcome": "valid_1", "channel": "call", "appointment_at": f"{tomorrow}T10:30"},
    )
    assert FollowUp.objects.filter(task=task).count() == 1
    assert Appointment.objects.filter(customer=task.customer).count() == 1


def test_an_outcome_missing_its_required_field_is_refused_in_chinese(client, demo):
    consultant = demo["consultant1"]
    task = first_open_task(consultant)
    client.force_login(consultant)
    html = client.post(
        f"/queue/tasks/{task.pk}/record/", {"outcome": "valid_1", "channel": "call"}
    ).content.decode()
    assert "到院时间" in html
    assert not FollowUp.objects.filter(task=task).exists()


def test_the_fields_follow_the_chosen_outcome(client, demo):
    consultant = demo["consultant1"]
    task = first_open_task(consultant)
    client.force_login(consultant)
    fields = client.get(f"/queue/tasks/{task.pk}/fields/", {"outcome": "valid_3"}).content.decode()
    assert 'name="decline_reason"' in fields and 'name="appointment_at"' not in fields
    fields = client.get(f"/queue/tasks/{task.pk}/fields/", {"outcome": "valid_1"}).content.decode()
    assert 'name="appointment_at"' in fields


def test_nobody_records_on_someone_elses_task(client, demo):
    task = first_open_task(demo["consultant1"])
    client.force_login(demo["consultant2"])
    response = client.post(
        f"/queue/tasks/{task.pk}/record/", {"outcome": "valid_2", "channel": "call"}
    )
    assert response.status_code == 404
    assert not FollowUp.objects.filter(task=task).exists()


@pytest.fixture
def one_task():
    """One open task of today for a consultant (no demo needed)."""
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    customer = make_customer(
        org, name="王女士", mobile="+8613812345678", home_store=store, owner=consultant
    )
    today = local_date(org)
    return CallTask.objects.create(
        organization=org,
        customer=customer,
        assignee=consultant,
        due_date=today,
        first_due_date=today,
    )


def outcome_select(html):
    return re.search(r'<select name="outcome".*?</select>', html, re.S).group(0)


def test_no_outcome_is_preselected_and_none_chosen_is_refused_with_the_note_kept(client, one_task):
    client.force_login(one_task.assignee)
    page = client.get("/queue/").content.decode()
    select = outcome_select(page)
    assert "selected" not in select and '<option value="">' in select
    # An Enter in the note sends the form without an outcome: nothing is recorded.
    html = client.post(
        f"/queue/tasks/{one_task.pk}/record/", {"channel": "call", "note": "下周再打"}
    ).content.decode()
    assert "请选择本次回访的结果。" in html
    assert re.search(r"<textarea[^>]*name=\"note\"[^>]*>\s*下周再打</textarea>", html)
    assert not FollowUp.objects.exists()


def test_an_error_keeps_the_outcome_its_fields_the_note_and_the_channel(client, one_task):
    client.force_login(one_task.assignee)
    html = client.post(
        f"/queue/tasks/{one_task.pk}/record/",
        {"outcome": "valid_1", "channel": "wechat", "note": "周六上午方便"},
    ).content.decode()
    assert "有效一级需要填写到院时间。" in html and "valid_1 needs" not in html
    assert '<option value="valid_1" selected>' in outcome_select(html)
    assert '<option value="wechat" selected>' in html
    assert 'name="appointment_at"' in html and 'name="intent"' not in html
    assert "周六上午方便</textarea>" in html
    assert not FollowUp.objects.exists()
    # A bad date is named by its field, and the typed value comes back too.
    html = client.post(
        f"/queue/tasks/{one_task.pk}/record/",
        {
            "outcome": "valid_3",
            "channel": "call",
            "decline_reason": "price",
            "next_campaign_on": "6月",
        },
    ).content.decode()
    assert "下次活动" in html and 'value="6月"' in html
    assert '<option value="price" selected>' in html


def test_switching_the_outcome_keeps_the_typed_note(client, one_task):
    client.force_login(one_task.assignee)
    fields = client.get(
        f"/queue/tasks/{one_task.pk}/fields/", {"outcome": "valid_3", "note": "嫌贵"}
    ).content.decode()
    assert 'name="decline_reason"' in fields and "嫌贵</textarea>" in fields


def test_a_recorded_task_shows_the_outcome_label_not_its_code(client, one_task):
    client.force_login(one_task.assignee)
    html = client.post(
        f"/queue/tasks/{one_task.pk}/record/", {"outcome": "invalid_1", "channel": "call"}
    ).content.decode()
    assert 'data-outcome="invalid_1"' in html
    assert "已记录: 无效一级" in html or "已记录：无效一级" in html


def test_the_customer_page_names_her_next_contacts_without_codes(client, one_task):
    customer = one_task.customer
    for reason in ("confirm_appointment", "intent_1", "revisit:注射"):
        ScheduledContact.objects.create(
            organization=customer.organization,
            customer=customer,
            due_on=one_task.due_date + timedelta(days=3),
            reason=reason,
        )
    client.force_login(one_task.assignee)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    for label in ("预约前一天确认", "一级意向跟进", "术后回访：注射"):
        assert label in page
    for code in ("confirm_appointment", "intent_1", "revisit:"):
        assert code not in page


def test_a_scheduled_task_says_what_the_call_is_for(client, one_task):
    CallTask.objects.filter(pk=one_task.pk).update(source=CallTask.Source.SCHEDULED)
    ScheduledContact.objects.create(
        organization=one_task.organization,
        customer=one_task.customer,
        due_on=one_task.due_date,
        reason="revisit:注射",
    )
    client.force_login(one_task.assignee)
    page = client.get("/queue/").content.decode()
    assert "术后回访：注射" in page


def test_an_empty_queue_opens(client):
    from revisit.core.models import Role
    from tests.factories import make_org, make_staff, make_store

    org = make_org()
    newcomer = make_staff(org, Role.CONSULTANT, store=make_store(org))
    client.force_login(newcomer)
    response = client.get("/queue/")
    assert response.status_code == 200
