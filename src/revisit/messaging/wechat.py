"""WeChat messages through a service account's (公众号) template message API: an access
token fetched with the app's id and secret and kept until shortly before it expires, then
one HTTP call per message to the customer's openid (Customer.wechat_openid).

The token comes from `stable_token`, which hands every caller the same token until it
expires: several worker processes each asking for one do not invalidate each other's
(the older `token` call does). A token the platform calls invalid or expired is fetched
again once and the message sent again: a refused call sent nothing.

The message's idempotency key travels as `client_msg_id`: the platform sends one message
per openid and id within some minutes. Whether a message a dead worker started went out
cannot be asked afterwards (the result comes only as a pushed event), so `lookup` is
UNKNOWN and the outbox marks such a message for a person to check."""

import json
import threading
import time
import urllib.parse

from django.conf import settings

from revisit.messaging import http
from revisit.messaging.backends import UNKNOWN, ProviderError

# The platform's global error codes that mean "later": busy, quotas, frequency limits.
RETRY_CODES = {-1, 45009, 45011, 45033, 45047, 45110}
# The access token is wrong or has expired: fetch a new one and send again (once).
TOKEN_CODES = {40001, 40014, 42001}
# Said about the keys or the account, not the message: nothing will go until fixed.
CONFIG_CODES = {40013, 40125, 40164, 41002, 41004, 48001, 50002, 61024}
# A token is dropped this long before the platform says it expires.
TOKEN_MARGIN_SECONDS = 300
ANSWER_LIMIT = 200

_tokens: dict[tuple, tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    with _tokens_lock:
        _tokens.clear()


class WeChatTemplateBackend:
    """Sends a message as a template message: the text goes into the template's field
    settings.WECHAT_TEMPLATE_FIELD (a template with one long text field), the subject,
    when there is one, into WECHAT_TEMPLATE_TITLE_FIELD."""

    timeout = 10

    def __init__(self, base=None, app_id=None, secret=None, template=None):
        self.base = (base or settings.WECHAT_API_BASE).rstrip("/")
        self.app_id = app_id or settings.WECHAT_APP_ID
        self.secret = secret or settings.WECHAT_APP_SECRET
        self.template = template or settings.WECHAT_TEMPLATE_ID

    # -- the access token ------------------------------------------------------------

    def _post(self, path: str, payload: dict) -> dict:
        try:
            status, body = http.request(
                "POST",
                f"{self.base}{path}",
                body=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self.timeout,
            )
        except http.HttpError as error:
            raise ProviderError(f"network: {error}"[:200], retry=True, code="network") from None
        if status >= 500 or status == 429:
            raise ProviderError(f"HTTP {status}", retry=True, code=str(status))
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            # Not the platform's JSON: a proxy's error page, a truncated answer.
            raise ProviderError(f"HTTP {status}: unreadable answer", retry=True, code="answer")
        return answer

    def _fetch_token(self, *, force: bool) -> tuple[str, float]:
        answer = self._post(
            "/cgi-bin/stable_token",
            {
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": self.secret,
                "force_refresh": force,
            },
        )
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise _error(answer, during="token")
        try:
            lifetime = int(answer.get("expires_in", 7200))
        except (TypeError, ValueError):
            lifetime = 7200
        return token, time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 60)

    def access_token(self, *, force: bool = False) -> str:
        """The cached token, fetched when missing, near its expiry or `force`d."""
        if not (self.app_id and self.secret and self.template):
            raise ProviderError("WeChat keys are not configured", retry=False, code="config")
        key = (self.base, self.app_id)
        with _tokens_lock:
            found = _tokens.get(key)
            if found and not force and found[1] > time.monotonic():
                return found[0]
            token, expires = self._fetch_token(force=force)
            _tokens[key] = (token, expires)
            return token

    # -- sending -----------------------------------------------------------------------

    def _payload(self, *, to, text, subject, key) -> dict:
        data = {settings.WECHAT_TEMPLATE_FIELD: {"value": text}}
        if subject and settings.WECHAT_TEMPLATE_TITLE_FIELD:
            data[settings.WECHAT_TEMPLATE_TITLE_FIELD] = {"value": subject}
        return {
            "touser": to,
            "template_id": self.template,
            "data": data,
            "client_msg_id": str(key),
        }

    def send(self, message, *, to, text, subject, key) -> str:
        if not to:
            raise ProviderError("no openid", retry=False, code="no_address")
        payload = self._payload(to=to, text=text, subject=subject, key=key)
        for attempt in (1, 2):
            token = self.access_token(force=attempt == 2)
            query = urllib.parse.urlencode({"access_token": token})
            answer = self._post(f"/cgi-bin/message/template/send?{query}", payload)
            code = _code(answer)
            if code == 0:
                return str(answer.get("msgid") or f"wechat-{key}")
            if code in TOKEN_CODES and attempt == 1:
                continue  # the token went stale: a new one, and the same message again
            raise _error(answer, during="send")
        raise AssertionError("unreachable")

    def lookup(self, message, *, to, key):
        return UNKNOWN


def _code(answer: dict) -> int | None:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        return None


def _error(answer: dict, *, during: str) -> ProviderError:
    code = _code(answer)
    text = f"{code}: {str(answer.get('errmsg', ''))[:ANSWER_LIMIT]}"
    if code is None:
        return ProviderError(f"{during}: unreadable answer", retry=True, code="answer")
    if code in CONFIG_CODES:
        return ProviderError(text, retry=False, code=str(code))
    return ProviderError(text, retry=code in RETRY_CODES or code in TOKEN_CODES, code=str(code))
