"""On a call the customer may ask for no more marketing: the follow-up records her no on
the chosen channels (or all), in Chinese on the page, and the call lists leave her out."""

import pytest

from revisit.core.clock import local_date
from revisit.core.models import AuditEvent, Role
from revisit.customers.models import MarketingConsent
from revisit.outreach.calllists import _reachable
from revisit.outreach.followups import FollowUpError, record_followup
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    customer = make_customer(
        org, name="王女士", mobile="+8613812345678", home_store=store, owner=consultant
    )
    today = local_date(org)
    return CallTask.objects.create(
        organization=org, customer=customer, assignee=consultant, due_date=today
    )


def refused(customer) -> dict:
    return dict(MarketingConsent.objects.filter(customer=customer).values_list("channel", "source"))


def record(client, task, data):
    client.force_login(task.assignee)
    return client.post(f"/queue/tasks/{task.pk}/record/", data).content.decode()


def test_the_queue_offers_the_opt_out_in_chinese(client, task):
    client.force_login(task.assignee)
    page = client.get("/queue/").content.decode()
    assert "客户要求不再营销联系" in page and "微信" in page


def test_ticking_the_box_alone_refuses_every_channel_and_takes_her_off_the_call_lists(client, task):
    customer = task.customer
    html = record(
        client,
        task,
        {"outcome": "valid_3", "channel": "call", "decline_reason": "price", "opt_out": "on"},
    )
    assert 'data-outcome="valid_3"' in html
    assert refused(customer) == dict.fromkeys(["call", "sms", "wechat", "email"], "电话回访")
    assert not MarketingConsent.objects.filter(granted=True).exists()
    assert AuditEvent.objects.filter(action="consent.set").count() == 4
    # The task is done: only her no keeps her off the next lists.
    assert customer not in _reachable(customer.organization)


def test_ticked_channels_only_and_nothing_without_a_tick(client, task):
    record(
        client,
        task,
        {"outcome": "invalid_1", "channel": "call", "opt_out": "on", "opt_out_channels": ["sms"]},
    )
    assert refused(task.customer) == {"sms": "电话回访"}


def test_no_tick_records_no_consent(client, task):
    record(client, task, {"outcome": "invalid_1", "channel": "call"})
    assert FollowUp.objects.filter(task=task).exists()
    assert not MarketingConsent.objects.exists()


def test_an_unknown_channel_records_neither_the_call_nor_a_consent(task):
    with pytest.raises(FollowUpError):
        record_followup(
            task, actor=task.assignee, channel="call", outcome="invalid_1", opt_out_channels=["fax"]
        )
    assert not FollowUp.objects.exists() and not MarketingConsent.objects.exists()


def test_a_refused_outcome_rolls_back_the_opt_out(client, task):
    # valid_1 without its arrival time is refused: the opt-out is not kept either.
    html = record(client, task, {"outcome": "valid_1", "channel": "call", "opt_out": "on"})
    assert "到院时间" in html and "checked" in html
    assert not MarketingConsent.objects.exists()


def test_the_api_records_an_opt_out_with_the_follow_up(client, task):
    from revisit.api.models import ApiToken

    _, token = ApiToken.issue(task.assignee)
    response = client.post(
        f"/api/call-tasks/{task.pk}/followups",
        {"outcome": "invalid_1", "opt_out_channels": ["call", "wechat"]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert refused(task.customer) == {"call": "电话回访", "wechat": "电话回访"}
