"""Which customers may be approached for marketing on which channel: messages need a
recorded yes; calls need no recorded no, or a recorded yes when the organization's
setting says so (shown and changed on the outreach settings page, audited)."""

import pytest

from revisit.core.models import AuditEvent, Role
from revisit.customers.consents import may_market, set_consent
from revisit.customers.models import MarketingConsent
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import CallTask
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.outreach.conftest import DAY, graded

pytestmark = pytest.mark.django_db


def consent(customer, channel, granted):
    set_consent(customer, actor=None, channel=channel, granted=granted, source="到店签字")


def test_messages_need_a_recorded_yes_and_calls_only_no_recorded_no_by_default():
    customer = make_customer(make_org())
    for channel in ("sms", "wechat", "email"):
        assert not may_market(customer, channel)
    assert may_market(customer, "call")
    consent(customer, "sms", True)
    consent(customer, "wechat", False)
    consent(customer, "call", False)
    assert may_market(customer, "sms")
    assert not may_market(customer, "wechat")
    assert not may_market(customer, "call")
    with pytest.raises(ValueError):
        may_market(customer, "fax")


def test_without_calls_on_no_record_only_a_recorded_yes_may_be_called():
    org = make_org()
    silent, agreed = make_customer(org), make_customer(org)
    consent(agreed, "call", True)
    settings = outreach_settings(org)
    settings.call_without_consent = False
    settings.save()
    assert not may_market(silent, "call")
    assert may_market(agreed, "call")


def test_call_lists_follow_the_setting(clinic):
    owner = clinic["consultant"]
    silent, agreed, refused = graded(clinic, "A1", 3, owner=owner)
    consent(agreed, "call", True)
    consent(refused, "call", False)
    settings = outreach_settings(clinic["org"])
    settings.call_without_consent = False
    settings.save()
    generate_call_lists(clinic["org"], date=DAY)
    assert set(CallTask.objects.values_list("customer", flat=True)) == {agreed.pk}


def test_the_call_list_calls_existing_customers_without_a_record_by_default(clinic):
    silent, refused = graded(clinic, "A1", 2, owner=clinic["consultant"])
    consent(refused, "call", False)
    generate_call_lists(clinic["org"], date=DAY)
    assert set(CallTask.objects.values_list("customer", flat=True)) == {silent.pk}


def test_the_setting_is_shown_in_chinese_and_an_admin_turns_it_off_audited(client):
    org = make_org()
    admin = make_staff(org, Role.ADMIN)
    client.force_login(admin)
    page = client.get("/settings/outreach/").content.decode()
    assert "无同意记录的客户也可电话联系" in page and "call_without_consent" in page
    numbers = {
        name: getattr(outreach_settings(org), name)
        for name in (
            "consultant_daily_quota",
            "caller_daily_quota",
            "next_day_appointment_target",
            "cool_off_days",
            "unreachable_retry_days",
            "unreachable_max_retries",
            "interested_next_days",
            "declined_next_days",
            "contact_cap",
            "capped_interval_days",
            "survey_target_percent",
            "call_team_daily_quota",
            "winback_offer_price",
            "winback_offer_service",
            "winback_offer_other",
        )
    }
    assert client.post("/settings/outreach/", numbers).status_code == 302  # box unticked
    assert outreach_settings(org).call_without_consent is False
    event = AuditEvent.objects.get(action="outreach_settings.edit")
    assert event.data["changed"] == {"call_without_consent": {"before": True, "after": False}}
    client.post("/settings/outreach/", {**numbers, "call_without_consent": "on"})
    assert outreach_settings(org).call_without_consent is True
    # A reader sees it as 是/否, not True/False.
    reader = make_staff(org, Role.STORE_MANAGER, store=make_store(org))
    client.force_login(reader)
    page = client.get("/settings/outreach/").content.decode()
    assert "无同意记录的客户也可电话联系" in page and "True" not in page


def test_a_consent_row_is_one_per_channel():
    customer = make_customer(make_org())
    consent(customer, "sms", True)
    consent(customer, "sms", False)
    assert MarketingConsent.objects.get(customer=customer).granted is False
