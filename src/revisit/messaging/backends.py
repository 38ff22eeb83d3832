"""Provider backends: how a message leaves. One backend per channel, chosen by a setting
(settings.MESSAGING_*_BACKEND).

A backend has two operations:
  send(message, *, to, text, subject, key) -> provider id    (raises ProviderError)
  lookup(message, *, to, key) -> provider id | None | UNKNOWN
`key` is the message's idempotency key: it goes to the provider (Aliyun's OutId, a mail
header, a line of the file) so that `lookup` can later tell whether a send that a dead
worker started reached the provider. UNKNOWN: the provider cannot be asked."""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from revisit.customers.phones import mask_phone
from revisit.messaging import http

log = logging.getLogger(__name__)

UNKNOWN = object()


class ProviderError(Exception):
    """The provider refused or could not be reached. `retry`: worth trying again later
    (throttling, a network error, the provider's own trouble); otherwise the message
    fails (a wrong number, a rejected text, bad keys)."""

    def __init__(self, message: str, *, retry: bool, code: str = ""):
        super().__init__(message)
        self.retry = retry
        self.code = code


def backend_for(channel: str):
    path = {
        "sms": settings.MESSAGING_SMS_BACKEND,
        "wechat": settings.MESSAGING_WECHAT_BACKEND,
        "email": settings.MESSAGING_EMAIL_BACKEND,
        "letter": settings.MESSAGING_LETTER_BACKEND,
    }[channel]
    return import_string(path)()


class FileBackend:
    """The default: each message becomes one JSON line in var/messages/<channel>.jsonl
    (letters there are the print list). The line is flushed before the send counts, and
    the file is what `lookup` reads."""

    def _path(self, channel: str) -> Path:
        folder = Path(settings.MESSAGING_FILE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{channel}.jsonl"

    def send(self, message, *, to, text, subject, key) -> str:
        provider_id = f"file-{key}"
        line = {
            "id": provider_id,
            "key": str(key),
            "message": message.pk,
            "to": to,
            "subject": subject,
            "text": text,
            "at": datetime.now(UTC).isoformat(),
        }
        with open(self._path(message.channel), "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            # Flushed to the operating system before the send counts: a killed worker's
            # line is there for `lookup` (a power cut is the provider's business).
            f.flush()
        log.info("message %s sent to %s (file backend)", message.pk, mask_phone(to) or "—")
        return provider_id

    def lookup(self, message, *, to, key):
        path = self._path(message.channel)
        if not path.exists():
            return None
        needle = f'"key": "{key}"'
        with open(path, encoding="utf-8") as f:
            for line in f:
                if needle in line:
                    try:
                        return json.loads(line)["id"]
                    except (ValueError, KeyError):
                        continue
        return None


class ConsoleBackend(FileBackend):
    """Prints each message (for `revisit serve --dev`); keeps the file too, for lookups."""

    def send(self, message, *, to, text, subject, key) -> str:
        provider_id = super().send(message, to=to, text=text, subject=subject, key=key)
        print(f"[{message.get_channel_display()}] → {mask_phone(to) or to}: {text}", flush=True)
        return provider_id


class DjangoMailBackend:
    """Email through Django's configured mail backend (SMTP when EMAIL_HOST is set).
    SMTP cannot be asked afterwards whether a message went: lookup is UNKNOWN."""

    def send(self, message, *, to, text, subject, key) -> str:
        if not to:
            raise ProviderError("no address", retry=False, code="no_address")
        email = EmailMessage(
            subject=subject or message.organization.name,
            body=text,
            to=[to],
            headers={"X-Revisit-Message": str(key), "Message-ID": f"<{key}@revisit>"},
        )
        try:
            email.send(fail_silently=False)
        except OSError as error:  # smtplib's errors are OSErrors: the server, the network
            raise ProviderError(str(error)[:200], retry=True, code="smtp") from error
        return f"<{key}@revisit>"

    def lookup(self, message, *, to, key):
        return UNKNOWN


# Aliyun 短信服务 (dysmsapi, RPC style, API version 2017-05-25). Codes that say "later".
ALIYUN_RETRY_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "Throttling",
    "Throttling.User",
    "ServiceUnavailable",
    "InternalError",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
}


def aliyun_percent(value: str) -> str:
    """Aliyun's percent-encoding (RFC 3986: only A-Z a-z 0-9 - _ . ~ left as they are)."""
    return urllib.parse.quote(str(value), safe="-_.~")


def aliyun_signature(params: dict, secret: str, method: str = "POST") -> str:
    """The RPC signature: HMAC-SHA1 over METHOD&%2F&encoded(sorted query), keyed with
    secret + "&", base64."""
    query = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    """Aliyun SMS over its HTTP API with signed requests. The text travels as the one
    variable ${content} of a template registered with Aliyun
    (settings.ALIYUN_SMS_TEMPLATE_CODE); the idempotency key is the OutId."""

    timeout = 10

    def __init__(self, endpoint=None, key_id=None, secret=None, sign_name=None, template=None):
        self.endpoint = endpoint or settings.ALIYUN_SMS_ENDPOINT
        self.key_id = key_id or settings.ALIYUN_ACCESS_KEY_ID
        self.secret = secret or settings.ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = sign_name or settings.ALIYUN_SMS_SIGN_NAME
        self.template = template or settings.ALIYUN_SMS_TEMPLATE_CODE

    def _call(self, action: str, params: dict) -> dict:
        if not (self.key_id and self.secret):
            raise ProviderError("Aliyun keys are not configured", retry=False, code="config")
        common = {
            "AccessKeyId": self.key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            **params,
        }
        common["Signature"] = aliyun_signature(common, self.secret)
        body = urllib.parse.urlencode(common, quote_via=urllib.parse.quote).encode()
        try:
            status, payload = http.request(
                "POST",
                self.endpoint,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=self.timeout,
            )
        except http.HttpError as error:
            raise ProviderError(f"network: {error}"[:200], retry=True, code="network") from None
        if status >= 500:
            raise ProviderError(f"HTTP {status}", retry=True, code=str(status))
        try:
            answer = json.loads(payload)
        except ValueError:
            raise ProviderError("unreadable answer", retry=True, code="answer") from None
        if not isinstance(answer, dict):
            raise ProviderError("unreadable answer", retry=True, code="answer")
        return answer

    def send(self, message, *, to, text, subject, key) -> str:
        phone = to.removeprefix("+86")
        answer = self._call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": self.sign_name,
                "TemplateCode": self.template,
                "TemplateParam": json.dumps({"content": text}, ensure_ascii=False),
                "OutId": str(key),
            },
        )
        code = str(answer.get("Code", ""))
        if code != "OK":
            raise ProviderError(
                f"{code}: {answer.get('Message', '')}"[:200],
                retry=code in ALIYUN_RETRY_CODES,
                code=code,
            )
        return str(answer.get("BizId", ""))

    def lookup(self, message, *, to, key):
        """QuerySendDetails for the number on the day of the claim: the row whose OutId
        is the key, if the provider has one."""
        day = (message.claimed_at or datetime.now(UTC)).astimezone(UTC)
        answer = self._call(
            "QuerySendDetails",
            {
                "PhoneNumber": to.removeprefix("+86"),
                "SendDate": day.strftime("%Y%m%d"),
                "PageSize": "50",
                "CurrentPage": "1",
            },
        )
        if answer.get("Code") != "OK":
            raise ProviderError(str(answer.get("Code")), retry=True, code=str(answer.get("Code")))
        details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        for row in details:
            if str(row.get("OutId")) == str(key):
                return str(row.get("BizId") or f"aliyun-{key}")
        return None
