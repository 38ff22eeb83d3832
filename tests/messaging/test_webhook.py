"""Receipts and replies come in signed: a wrong signature is 403, a bad body 400, and a
退订 reply withdraws SMS marketing consent before the next send."""

import json

import pytest

from revisit.core.models import AuditEvent
from revisit.customers.consents import may_market
from revisit.messaging.models import Message
from revisit.messaging.outbox import send_due
from revisit.messaging.rules import messaging_settings
from revisit.messaging.services import queue_message
from revisit.messaging.webhooks import sign
from tests.messaging.conftest import DAYTIME

pytestmark = pytest.mark.django_db


def _post(client, org, body, secret=None, **extra):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    secret = secret or messaging_settings(org).webhook_secret
    return client.post(
        f"/api/messaging/webhook/{org.code}/",
        raw,
        content_type="application/json",
        HTTP_X_REVISIT_SIGNATURE=sign(secret, raw),
        **extra,
    )


@pytest.mark.parametrize("word", ["退订", "T", "td", " N ", "退订。"])
def test_an_opt_out_reply_withdraws_consent_and_stops_the_next_send(client, shopfront, word):
    customer = shopfront["consenting"]
    queue_message(customer, template=shopfront["template"], actor=shopfront["admin"], now=DAYTIME)
    body = {"events": [{"type": "reply", "phone": "13800000001", "text": word}]}
    response = _post(client, shopfront["org"], body)
    assert response.status_code == 200 and response.json()["opted_out"] == 1
    assert not may_market(customer, "sms")
    event = AuditEvent.objects.filter(action="consent.set").latest("pk")
    assert event.data["after"] is False and event.data["source"] == "短信回复退订"
    assert send_due(now=DAYTIME) == {"suppressed": 1}


def test_an_ordinary_reply_changes_nothing(client, shopfront):
    body = {"events": [{"type": "reply", "phone": "13800000001", "text": "好的谢谢"}]}
    assert _post(client, shopfront["org"], body).json()["opted_out"] == 0
    assert may_market(shopfront["consenting"], "sms")


def test_a_receipt_marks_the_message_delivered(client, shopfront):
    queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    send_due(now=DAYTIME)
    message = Message.objects.get()
    body = {"events": [{"type": "receipt", "message": message.provider_id, "status": "delivered"}]}
    assert _post(client, shopfront["org"], body).json()["receipts"] == 1
    message.refresh_from_db()
    assert message.delivered_at is not None


def test_a_wrong_or_missing_signature_is_403(client, shopfront):
    body = {"events": [{"type": "reply", "phone": "13800000001", "text": "T"}]}
    assert _post(client, shopfront["org"], body, secret="not-the-secret").status_code == 403
    raw = json.dumps(body).encode()
    url = f"/api/messaging/webhook/{shopfront['org'].code}/"
    assert client.post(url, raw, content_type="application/json").status_code == 403
    assert (
        client.post(
            "/api/messaging/webhook/nobody/",
            raw,
            content_type="application/json",
            HTTP_X_REVISIT_SIGNATURE="00",
        ).status_code
        == 403
    )
    assert client.get(url).status_code == 405
    assert may_market(shopfront["consenting"], "sms")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        "退订".encode("gbk"),
        b"[]",
        b'{"events": []}',
        b'{"events": "T"}',
        b'{"events": [1]}',
        b'{"events": [{"type": "other"}]}',
        b'{"events": [{"type": "reply", "phone": "abc", "text": "T"}]}',
        b'{"events": [{"type": "receipt", "message": "x", "status": "lost"}]}',
    ],
)
def test_malformed_bodies_are_400(client, shopfront, body):
    assert _post(client, shopfront["org"], body).status_code == 400


def test_a_huge_body_is_400_before_it_is_read(client, shopfront):
    body = b'{"events": [' + b'{"type": "reply", "phone": "1", "text": "x"},' * 3000 + b"1]}"
    assert _post(client, shopfront["org"], body).status_code == 400
