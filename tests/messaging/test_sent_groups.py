"""Sent messages are recorded a group at a time: a worker that dies between the
provider's acceptance and the group's record leaves those messages 'sending', and
recovery finds them at the provider by their keys. Nothing is sent twice, nothing lost."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.test import override_settings

from revisit.messaging.backends import FileBackend
from revisit.messaging.models import Message, MessageTemplate
from revisit.messaging.outbox import send_due
from revisit.messaging.services import queue_message
from tests.factories import make_customer
from tests.messaging.conftest import DAYTIME, sent_lines


class Died(BaseException):
    """The worker process ending in the middle of a batch (a kill, a power cut)."""


class Dying(FileBackend):
    calls = 0
    die_at = 0

    def send(self, message, **kwargs):
        Dying.calls += 1
        if Dying.calls == Dying.die_at:
            raise Died
        return super().send(message, **kwargs)


@override_settings(
    MESSAGING_SMS_BACKEND="tests.messaging.test_sent_groups.Dying", MESSAGING_SENT_GROUP=2
)
def test_a_worker_dying_between_groups_sends_each_message_once(shopfront):
    customers = [
        make_customer(shopfront["org"], f"G-{n}", mobile=f"+861390000000{n}") for n in range(5)
    ]
    notice = MessageTemplate.objects.create(
        organization=shopfront["org"],
        name="到店提醒",
        channel="sms",
        purpose="service",
        body="请到店领取会员卡。",
    )
    for customer in customers:
        queue_message(customer, template=notice, actor=shopfront["admin"], now=DAYTIME)
    Dying.calls, Dying.die_at = 0, 4  # three accepted by the provider, then the end
    with pytest.raises(Died):
        send_due(now=DAYTIME)
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {"sent": 2, "sending": 3}  # the first group recorded, not the second
    assert len(sent_lines(shopfront["dir"])) == 3
    assert all(m.attempts == 1 for m in Message.objects.all())

    Dying.die_at = 0
    assert send_due(now=DAYTIME + timedelta(minutes=1)) == {}  # the claims are young
    later = DAYTIME + timedelta(minutes=11)
    assert send_due(now=later) == {"found_sent": 1, "requeued": 2, "sent": 2}
    assert send_due(now=later) == {}
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    keys = [json.loads(line)["key"] for line in sent_lines(shopfront["dir"])]
    assert len(keys) == 5 and len(set(keys)) == 5
    assert set(keys) == {str(k) for k in Message.objects.values_list("idempotency_key", flat=True)}
