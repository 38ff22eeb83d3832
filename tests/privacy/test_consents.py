"""Consent per channel is recorded in the app with its source and time; a withdrawal of
calls takes the customer off the next call list at once."""

from datetime import date

import pytest

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import MarketingConsent
from revisit.outreach.calllists import _reachable
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    customer = make_customer(
        org, "C-1", name="王小美", mobile="+8613812345678", owner=consultant, home_store=store
    )
    return org, consultant, customer


def test_a_consultant_records_a_withdrawal_and_it_is_kept_with_source_and_audited(client, people):
    org, consultant, customer = people
    client.force_login(consultant)
    assert customer in _reachable(org)
    page = client.post(
        f"/customers/{customer.pk}/consents/",
        {"channel": "call", "granted": "0", "source": "电话中本人要求"},
        follow=True,
    ).content.decode()
    assert "已记录营销同意情况" in page
    consent = MarketingConsent.objects.get(customer=customer, channel="call")
    assert not consent.granted and consent.source == "电话中本人要求"
    assert consent.recorded_at.date() <= date.today()
    assert customer not in _reachable(org)
    event = AuditEvent.objects.get(action="consent.set")
    assert event.data["before"] is None and event.data["after"] is False
    client.post(
        f"/customers/{customer.pk}/consents/",
        {"channel": "call", "granted": "1", "source": "到店签字"},
    )
    assert MarketingConsent.objects.get(customer=customer, channel="call").granted
    assert AuditEvent.objects.filter(action="consent.set").count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "pigeon", "granted": "1", "source": "x"},
        {"channel": "sms", "granted": "maybe", "source": "x"},
        {"channel": "sms", "granted": "1", "source": ""},
        {"channel": "sms", "granted": "1", "source": "x" * 500},
    ],
)
def test_bad_consent_forms_change_nothing(client, people, data):
    _, consultant, customer = people
    client.force_login(consultant)
    page = client.post(f"/customers/{customer.pk}/consents/", data, follow=True)
    assert "请选择渠道" in page.content.decode()
    assert not MarketingConsent.objects.exists()


def test_nobody_records_consent_for_a_customer_outside_her_scope(client, people):
    org, _, customer = people
    other = make_staff(org, Role.CONSULTANT, store=customer.home_store)
    client.force_login(other)
    response = client.post(
        f"/customers/{customer.pk}/consents/", {"channel": "sms", "granted": "1", "source": "x"}
    )
    assert response.status_code == 404
