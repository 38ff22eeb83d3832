"""The call queue: record an outcome in place and watch the quota progress move."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from revisit.appointments.models import Appointment
from revisit.core.clock import local_date
from revisit.outreach.models import CallTask, FollowUp

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
