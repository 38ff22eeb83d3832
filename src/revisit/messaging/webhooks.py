"""Delivery receipts and inbound replies from the SMS provider (or a relay in front of
it), signed with the organization's webhook secret.

POST /api/messaging/webhook/<organization code>/
  header X-Revisit-Signature: hex HMAC-SHA256 of the raw body with the secret
  body (JSON, at most 64 KB): {"events": [
      {"type": "receipt", "message": "<idempotency key or provider id>",
       "status": "delivered" | "failed", "error": "…"},
      {"type": "reply", "phone": "13800000000", "text": "退订"}]}
A wrong or missing signature (or an unknown organization) is 403; a body too large or
not of this shape is 400. A reply of 退订 / T / TD / N withdraws the customer's SMS
marketing consent at once (audited through set_consent)."""

import hashlib
import hmac
import json
import re

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from revisit.core.audit import record_event
from revisit.core.models import Organization
from revisit.customers.consents import set_consent
from revisit.customers.models import Customer, MarketingConsent
from revisit.customers.phones import normalize_phone
from revisit.messaging.models import Message, MessagingSettings

BODY_MAX = 64 * 1024
EVENTS_MAX = 500
OPT_OUT_WORDS = {"退订", "T", "TD", "N", "退", "取消", "UNSUBSCRIBE", "STOP"}
SOURCE_REPLY = "短信回复退订"
UUID_RE = re.compile(r"^[0-9a-fA-F-]{32,36}$")


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_opt_out(text: str) -> bool:
    word = re.sub(r"[\s。.!！,，]+", "", text or "").upper()
    return word in OPT_OUT_WORDS


def _bad(reason: str, status: int = 400):
    return JsonResponse({"detail": reason}, status=status)


def handle_receipt(organization, event: dict, now) -> bool:
    ref = str(event.get("message", ""))[:100]
    status = event.get("status")
    if not ref or status not in ("delivered", "failed"):
        raise ValueError("receipt needs message and status delivered/failed")
    messages = Message.objects.filter(organization=organization)
    if UUID_RE.match(ref):
        messages = messages.filter(idempotency_key=ref)
    else:
        messages = messages.filter(provider_id=ref)
    if status == "delivered":
        return bool(messages.update(delivered_at=now, delivery_error=""))
    return bool(messages.update(delivery_error=str(event.get("error", "failed"))[:100] or "failed"))


def handle_reply(organization, event: dict, now) -> int:
    phone, text = event.get("phone"), event.get("text")
    if not isinstance(phone, str) or not isinstance(text, str) or len(text) > 1000:
        raise ValueError("reply needs phone and text")
    try:
        mobile = normalize_phone(phone)
    except ValueError:
        raise ValueError("reply: not a phone number") from None
    record_event(
        organization, actor=None, action="message.reply", phone_last4=mobile[-4:], text=text[:70]
    )
    if not is_opt_out(text):
        return 0
    withdrawn = 0
    for customer in Customer.objects.filter(organization=organization, mobile=mobile):
        set_consent(
            customer,
            actor=None,
            channel=MarketingConsent.Channel.SMS,
            granted=False,
            source=SOURCE_REPLY,
            now=now,
        )
        withdrawn += 1
    return withdrawn


@login_not_required
@csrf_exempt
@require_POST
def webhook(request, org_code: str):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _bad("bad length")
    if length > BODY_MAX:
        return _bad("body too large")
    body = request.body
    if len(body) > BODY_MAX:
        return _bad("body too large")
    organization = Organization.objects.filter(code=org_code[:50]).first()
    secret = (
        MessagingSettings.objects.filter(organization=organization)
        .values_list("webhook_secret", flat=True)
        .first()
        if organization
        else None
    )
    given = request.headers.get("X-Revisit-Signature", "")
    if not secret or not hmac.compare_digest(sign(secret, body), given.strip().lower()):
        return HttpResponse(status=403)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _bad("body is not JSON in UTF-8")
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not events or len(events) > EVENTS_MAX:
        return _bad(f"events: a list of 1 to {EVENTS_MAX}")
    now = timezone.now()
    receipts = withdrawn = 0
    try:
        with transaction.atomic():
            for event in events:
                if not isinstance(event, dict):
                    raise ValueError("each event is an object")
                if event.get("type") == "receipt":
                    receipts += handle_receipt(organization, event, now)
                elif event.get("type") == "reply":
                    withdrawn += handle_reply(organization, event, now)
                else:
                    raise ValueError("event type: receipt or reply")
    except ValueError as error:
        return _bad(str(error))
    return JsonResponse({"receipts": receipts, "opted_out": withdrawn})
