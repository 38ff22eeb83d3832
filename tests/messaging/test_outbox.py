"""Queueing and sending: rules checked twice, claimed exactly once, retried with back-off,
capped per day, recovered after a dead worker."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from revisit.customers.consents import set_consent
from revisit.customers.models import Customer, MarketingConsent, PhoneStatus
from revisit.messaging import backends
from revisit.messaging.backends import ProviderError
from revisit.messaging.models import Message, MessagingSettings
from revisit.messaging.outbox import backoff, claim_due, recover_stale, send_due
from revisit.messaging.rules import messaging_settings, suppression_counts
from revisit.messaging.services import queue_many, queue_message
from revisit.outreach.models import FollowUp
from tests.messaging.conftest import DAYTIME, NIGHT, sent_lines

pytestmark = pytest.mark.django_db


def test_a_member_gets_the_member_text_with_signature_and_opt_out(shopfront):
    message = queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    assert message.status == Message.Status.QUEUED
    assert (
        message.text == f"【{shopfront['org'].name}】张先生，新春会员喜福会，门店S1恭候您！回T退订"
    )
    assert message.recipient == "+8613800000001"


def test_the_tick_sends_once_even_when_run_twice(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    assert send_due(now=DAYTIME)["sent"] == 1
    assert send_due(now=DAYTIME).get("sent", 0) == 0
    lines = sent_lines(shopfront["dir"])
    assert len(lines) == 1 and "张先生" in json.loads(lines[0])["text"]
    message = Message.objects.get()
    assert message.status == Message.Status.SENT and message.provider_id.startswith("file-")
    assert message.attempts == 1 and message.sent_at == DAYTIME


def test_no_consent_is_suppressed_when_queued_and_counted(shopfront):
    message = queue_message(
        shopfront["silent"], template=shopfront["template"], actor=shopfront["admin"], now=DAYTIME
    )
    assert message.status == Message.Status.SUPPRESSED
    assert message.suppression_reason == "no_consent"
    counts = suppression_counts(Message.objects.all())
    assert [(code, n) for code, _, n in counts] == [("no_consent", 1)]


def test_an_opt_out_after_queueing_is_honoured_before_the_send(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    set_consent(
        shopfront["consenting"],
        actor=None,
        channel=MarketingConsent.Channel.SMS,
        granted=False,
        source="短信回复退订",
    )
    assert send_due(now=DAYTIME) == {"suppressed": 1}
    assert Message.objects.get().suppression_reason == "no_consent"
    assert sent_lines(shopfront["dir"]) == []


def test_a_service_notice_needs_no_marketing_consent_but_its_values(shopfront):
    message = queue_message(
        shopfront["silent"],
        template=shopfront["service"],
        actor=shopfront["admin"],
        context={"date": DAYTIME.date(), "amount": "1280.00", "points": 2350},
        now=NIGHT,
    )
    assert message.status == Message.Status.QUEUED and not message.postponed
    assert "5月6日消费1280.00元，目前积分2350分" in message.text
    assert "回T退订" not in message.text


def test_quiet_hours_hold_marketing_until_eight_or_drop_it_as_set(shopfront):
    held = queue_message(
        shopfront["consenting"], template=shopfront["template"], actor=shopfront["admin"], now=NIGHT
    )
    assert held.postponed and held.status == Message.Status.QUEUED
    assert held.due_at == NIGHT + timedelta(hours=10)  # 08:00 the next morning
    assert send_due(now=NIGHT) == {}
    messaging_settings(shopfront["org"])
    MessagingSettings.objects.filter(organization=shopfront["org"]).update(quiet_action="suppress")
    dropped = queue_message(
        shopfront["elsewhere"], template=shopfront["template"], actor=shopfront["admin"], now=NIGHT
    )
    assert dropped.suppression_reason == "quiet_hours"
    assert send_due(now=NIGHT + timedelta(hours=10))["sent"] == 1


def test_a_message_due_at_night_from_a_late_worker_waits(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        due=DAYTIME,
        now=DAYTIME,
    )
    assert send_due(now=NIGHT) == {"postponed": 1}
    assert Message.objects.get().status == Message.Status.QUEUED


def test_dead_and_flagged_numbers_and_the_blacklist_are_skipped(shopfront):
    Customer.objects.filter(pk=shopfront["consenting"].pk).update(phone_status=PhoneStatus.DEAD)
    Customer.objects.filter(pk=shopfront["elsewhere"].pk).update(is_blacklisted=True)
    a = queue_message(
        Customer.objects.get(pk=shopfront["consenting"].pk),
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    b = queue_message(
        Customer.objects.get(pk=shopfront["elsewhere"].pk),
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    assert (a.suppression_reason, b.suppression_reason) == ("bad_number", "blacklisted")


def test_the_contact_cap_is_shared_with_calls(shopfront):
    customer = shopfront["consenting"]
    FollowUp.objects.create(
        organization=shopfront["org"],
        customer=customer,
        actor=shopfront["admin"],
        channel="call",
        outcome="valid_2",
        contacted_at=DAYTIME - timedelta(days=2),
    )
    message = queue_message(
        customer, template=shopfront["template"], actor=shopfront["admin"], now=DAYTIME
    )
    assert message.suppression_reason == "cap"
    # A sent marketing SMS counts as a contact too: a week later, one gets through and
    # the next one the day after is held back.
    later = DAYTIME + timedelta(days=8)
    queue_message(customer, template=shopfront["template"], actor=shopfront["admin"], now=later)
    assert send_due(now=later)["sent"] == 1
    again = queue_message(
        customer,
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=later + timedelta(days=1),
    )
    assert again.suppression_reason == "cap"


def test_a_batch_preview_counts_what_queueing_then_does(shopfront):
    customers = Customer.objects.filter(organization=shopfront["org"])
    preview = queue_many(
        customers,
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
        dry_run=True,
    )
    assert (preview.total, preview.queued, preview.suppressed) == (3, 2, {"no_consent": 1})
    assert not Message.objects.exists()
    done = queue_many(
        customers, template=shopfront["template"], actor=shopfront["admin"], now=DAYTIME
    )
    assert (done.queued, done.suppressed) == (2, {"no_consent": 1})
    texts = sorted(Message.objects.filter(status="queued").values_list("text", flat=True))
    assert any("王女士，新春会员喜福会" in t for t in texts)
    assert send_due(now=DAYTIME)["sent"] == 2


def test_the_daily_cap_defers_the_rest_to_tomorrow(shopfront):
    messaging_settings(shopfront["org"])
    MessagingSettings.objects.filter(organization=shopfront["org"]).update(daily_cap=1)
    for key in ("consenting", "elsewhere"):
        queue_message(
            shopfront[key], template=shopfront["template"], actor=shopfront["admin"], now=DAYTIME
        )
    assert send_due(now=DAYTIME) == {"sent": 1, "deferred": 1}
    deferred = Message.objects.get(status="queued")
    assert deferred.due_at == NIGHT + timedelta(hours=10)  # 08:00 tomorrow
    assert send_due(now=deferred.due_at)["sent"] == 1


class Flaky:
    """A provider failing `fails` times with a retryable error, then accepting."""

    fails = 2
    calls = 0

    def send(self, message, *, to, text, subject, key):
        Flaky.calls += 1
        if Flaky.calls <= Flaky.fails:
            raise ProviderError("throttled", retry=True, code="isv.BUSINESS_LIMIT_CONTROL")
        return "ok-1"

    def lookup(self, message, *, to, key):
        return None


class Refusing(Flaky):
    def send(self, message, *, to, text, subject, key):
        raise ProviderError("bad number", retry=False, code="isv.MOBILE_NUMBER_ILLEGAL")


@override_settings(
    MESSAGING_SMS_BACKEND="tests.messaging.test_outbox.Flaky", MESSAGING_RETRY_BASE_SECONDS=60
)
def test_provider_errors_back_off_exponentially_then_send(shopfront):
    Flaky.calls = 0
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    assert send_due(now=DAYTIME) == {"retry": 1}
    message = Message.objects.get()
    assert message.due_at == DAYTIME + timedelta(seconds=60) and message.attempts == 1
    assert "BUSINESS_LIMIT_CONTROL" in message.last_error
    assert send_due(now=DAYTIME + timedelta(seconds=30)) == {}
    second = DAYTIME + timedelta(seconds=60)
    assert send_due(now=second) == {"retry": 1}
    assert Message.objects.get().due_at == second + timedelta(seconds=120)
    assert send_due(now=second + timedelta(seconds=120)) == {"sent": 1}
    message = Message.objects.get()
    assert (message.status, message.attempts, message.provider_id) == ("sent", 3, "ok-1")
    assert backoff(1) == timedelta(seconds=60) and backoff(30) == timedelta(hours=6)


@override_settings(MESSAGING_SMS_BACKEND="tests.messaging.test_outbox.Refusing")
def test_a_refused_message_fails_at_once(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    assert send_due(now=DAYTIME) == {"failed": 1}
    assert Message.objects.get().last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")


@override_settings(
    MESSAGING_SMS_BACKEND="tests.messaging.test_outbox.Flaky", MESSAGING_MAX_ATTEMPTS=2
)
def test_retries_end_in_failed(shopfront):
    Flaky.calls, Flaky.fails = 0, 10
    try:
        queue_message(
            shopfront["consenting"],
            template=shopfront["template"],
            actor=shopfront["admin"],
            now=DAYTIME,
        )
        send_due(now=DAYTIME)
        assert send_due(now=DAYTIME + timedelta(hours=1)) == {"failed": 1}
    finally:
        Flaky.fails = 2


def test_a_claim_is_taken_once(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    _, first = claim_due(now=DAYTIME)
    _, second = claim_due(now=DAYTIME)
    assert len(first) == 1 and second == []


def test_a_stale_claim_is_found_at_the_provider_and_not_sent_again(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    token, (message,) = claim_due(now=DAYTIME)
    # The worker reached the provider, then died before recording it.
    backends.FileBackend().send(
        message, to=message.recipient, text=message.text, subject="", key=message.idempotency_key
    )
    assert recover_stale(now=DAYTIME + timedelta(minutes=5)) == {}  # not stale yet
    later = DAYTIME + timedelta(minutes=11)
    assert send_due(now=later) == {"found_sent": 1}
    assert Message.objects.get().status == "sent"
    assert len(sent_lines(shopfront["dir"])) == 1


def test_a_stale_claim_never_sent_is_sent_once(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    claim_due(now=DAYTIME)  # the worker died before the provider saw it
    later = DAYTIME + timedelta(minutes=11)
    assert send_due(now=later) == {"requeued": 1, "sent": 1}
    assert len(sent_lines(shopfront["dir"])) == 1


@override_settings(MESSAGING_SMS_BACKEND="revisit.messaging.backends.DjangoMailBackend")
def test_a_stale_claim_the_provider_cannot_answer_fails_rather_than_sends_twice(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    claim_due(now=DAYTIME)
    assert send_due(now=DAYTIME + timedelta(minutes=11)) == {"unknown": 1}
    assert Message.objects.get().status == "failed"


def test_erasing_a_customer_deletes_her_messages(shopfront):
    from revisit.privacy.rights import erase_customer

    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    erase_customer(shopfront["consenting"], actor=shopfront["admin"], reason="本人要求")
    assert not Message.objects.exists()


def test_an_email_goes_through_djangos_mail_backend(shopfront, mailoutbox):
    from revisit.messaging.models import MessageTemplate

    set_consent(shopfront["consenting"], actor=None, channel="email", granted=True, source="到店")
    template = MessageTemplate.objects.create(
        organization=shopfront["org"],
        name="积分信",
        channel="email",
        subject="{name}的积分",
        body="{surname}{honorific}，新年快乐。",
    )
    no_address = queue_message(
        shopfront["consenting"], template=template, actor=shopfront["admin"], now=DAYTIME
    )
    assert no_address.suppression_reason == "no_address"
    Customer.objects.filter(pk=shopfront["consenting"].pk).update(email="zhang@example.com")
    shopfront["consenting"].refresh_from_db()
    message = queue_message(
        shopfront["consenting"], template=template, actor=shopfront["admin"], now=DAYTIME
    )
    assert message.recipient == "zhang@example.com"
    # The address on the card when it is sent: she corrected it in the meantime.
    Customer.objects.filter(pk=shopfront["consenting"].pk).update(email="zhang.wei@example.cn")
    assert send_due(now=DAYTIME) == {"sent": 1}
    (mail,) = mailoutbox
    assert mail.to == ["zhang.wei@example.cn"] and mail.subject == "张伟的积分"
    assert mail.body == "张先生，新年快乐。"
    assert mail.extra_headers["X-Revisit-Message"] == str(message.idempotency_key)
    # Cleared from the card before the next send: not sent, counted as no address (a
    # service notice, which the contact cap does not hold back after the first mail).
    template.purpose = "service"
    template.save()
    again = queue_message(
        shopfront["consenting"], template=template, actor=shopfront["admin"], now=DAYTIME
    )
    Customer.objects.filter(pk=shopfront["consenting"].pk).update(email="")
    assert send_due(now=DAYTIME) == {"suppressed": 1}
    again.refresh_from_db()
    assert again.suppression_reason == "no_address" and len(mailoutbox) == 1


def test_a_changed_number_is_used_when_sent(shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    Customer.objects.filter(pk=shopfront["consenting"].pk).update(mobile="+8613800009999")
    send_due(now=DAYTIME)
    assert json.loads(sent_lines(shopfront["dir"])[0])["to"] == "+8613800009999"
