"""The WeChat service account adapter against a local fake of the platform's HTTP API
(stable_token and template/send; never the real network): the token fetched once and
kept, fetched again when the platform calls it expired, error codes mapped to "later" or
"never", and the worker sending to the openid on the card."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from revisit.customers.models import Customer
from revisit.messaging import http
from revisit.messaging.backends import UNKNOWN, ProviderError
from revisit.messaging.models import Message, MessageTemplate
from revisit.messaging.wechat import WeChatTemplateBackend, forget_tokens

APP_ID, SECRET, TEMPLATE = "wx0123456789", "s3cret", "TPL-1"
OPENID = "oAbc_1234567890"


class FakeWeChat(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platform answers
    state: dict = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        state = FakeWeChat.state
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        path, _, query = self.path.partition("?")
        state["connections"].add(self.client_address)
        if path == "/cgi-bin/stable_token":
            state["token_calls"].append(body)
            if (body.get("appid"), body.get("secret")) != (APP_ID, SECRET):
                return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
            if body.get("force_refresh") or not state["token"]:
                state["serial"] += 1
                state["token"] = f"TOKEN-{state['serial']}"
            return self._json({"access_token": state["token"], "expires_in": 7200})
        if path == "/cgi-bin/message/template/send":
            token = urllib.parse.parse_qs(query).get("access_token", [""])[0]
            if token != state["token"] or state["expire"]:
                state["expire"] = False
                return self._json({"errcode": 42001, "errmsg": "access_token expired"})
            if state["answers"]:
                status, answer = state["answers"].pop(0)
                return self._json(answer, status)
            key = (body["touser"], body["client_msg_id"])
            if key not in state["sent"]:  # the platform's own de-duplication
                state["sent"][key] = body
            msgid = 1000 + list(state["sent"]).index(key)
            return self._json({"errcode": 0, "errmsg": "ok", "msgid": msgid})
        return self._json({"errcode": 404, "errmsg": "no such api"}, 404)

    def _json(self, body, status=200):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def wechat():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeChat)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    FakeWeChat.state = {
        "token": "",
        "serial": 0,
        "expire": False,
        "answers": [],
        "sent": {},
        "token_calls": [],
        "connections": set(),
    }
    forget_tokens()
    yield f"http://127.0.0.1:{server.server_port}"
    http.close_all()
    forget_tokens()
    server.shutdown()
    server.server_close()


def _backend(base, secret=SECRET):
    return WeChatTemplateBackend(base=base, app_id=APP_ID, secret=secret, template=TEMPLATE)


def _send(backend, key="k-1", to=OPENID):
    return backend.send(
        Message(pk=1, channel="wechat"), to=to, text="新品到店", subject="会员通知", key=key
    )


def test_the_token_is_fetched_once_and_messages_go_over_one_connection(wechat):
    backend = _backend(wechat)
    ids = [_send(backend, key=f"k-{n}") for n in range(3)]
    assert ids == ["1000", "1001", "1002"]
    state = FakeWeChat.state
    assert len(state["token_calls"]) == 1 and state["token_calls"][0]["force_refresh"] is False
    assert len(state["connections"]) == 1  # kept alive
    sent = state["sent"][(OPENID, "k-0")]
    assert sent["template_id"] == TEMPLATE
    assert sent["data"] == {"content": {"value": "新品到店"}, "first": {"value": "会员通知"}}


def test_an_expired_token_is_fetched_again_and_the_message_sent_once(wechat):
    backend = _backend(wechat)
    _send(backend, key="k-1")
    FakeWeChat.state["expire"] = True
    assert _send(backend, key="k-2") == "1001"
    calls = FakeWeChat.state["token_calls"]
    assert [c["force_refresh"] for c in calls] == [False, True]
    assert list(FakeWeChat.state["sent"]) == [(OPENID, "k-1"), (OPENID, "k-2")]


def test_the_same_key_twice_is_one_message_at_the_platform(wechat):
    backend = _backend(wechat)
    assert _send(backend, key="same") == _send(backend, key="same")
    assert len(FakeWeChat.state["sent"]) == 1


@pytest.mark.parametrize(
    ("status", "answer", "retry", "code"),
    [
        (200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}, True, "45009"),
        (200, {"errcode": -1, "errmsg": "system error"}, True, "-1"),
        (200, {"errcode": 43004, "errmsg": "require subscribe"}, False, "43004"),
        (200, {"errcode": 40003, "errmsg": "invalid openid"}, False, "40003"),
        (200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}, False, "43101"),
        (200, {"errcode": 40037, "errmsg": "invalid template_id"}, False, "40037"),
        (200, {"errcode": 40164, "errmsg": "invalid ip, not in whitelist"}, False, "40164"),
        (503, {"errcode": -1}, True, "503"),
        (502, b"<html>Bad Gateway</html>", True, "502"),
        (200, b"<html>proxy</html>", True, "answer"),
        (200, {"errcode": "x" * 5000}, True, "answer"),
        (200, ["not", "an", "object"], True, "answer"),
    ],
)
def test_error_codes_map_to_retry_or_fail(wechat, status, answer, retry, code):
    backend = _backend(wechat)
    backend.access_token()
    FakeWeChat.state["answers"] = [(status, answer)]
    with pytest.raises(ProviderError) as error:
        _send(backend)
    assert (error.value.retry, error.value.code) == (retry, code)
    assert len(str(error.value)) <= 300


def test_wrong_keys_fail_without_retry_and_nothing_is_sent(wechat):
    with pytest.raises(ProviderError) as error:
        _send(_backend(wechat, secret="wrong"))
    assert (error.value.retry, error.value.code) == (False, "40125")
    assert not FakeWeChat.state["sent"]


def test_unconfigured_and_unreachable():
    forget_tokens()
    with pytest.raises(ProviderError) as error:
        WeChatTemplateBackend(base="http://127.0.0.1:9", app_id="", secret="", template="").send(
            Message(pk=1, channel="wechat"), to=OPENID, text="x", subject="", key="k"
        )
    assert error.value.code == "config" and not error.value.retry
    with pytest.raises(ProviderError) as error:
        _send(_backend("http://127.0.0.1:9"))
    assert error.value.retry and error.value.code == "network"
    assert _backend("http://127.0.0.1:9").lookup(None, to=OPENID, key="k") is UNKNOWN


@pytest.mark.django_db
def test_the_worker_sends_to_the_openid_on_the_card(wechat, shopfront, settings):
    from revisit.customers.consents import set_consent
    from revisit.messaging.outbox import send_due
    from revisit.messaging.services import queue_message
    from tests.messaging.conftest import DAYTIME

    settings.MESSAGING_WECHAT_BACKEND = "revisit.messaging.wechat.WeChatTemplateBackend"
    settings.WECHAT_API_BASE, settings.WECHAT_APP_ID = wechat, APP_ID
    settings.WECHAT_APP_SECRET, settings.WECHAT_TEMPLATE_ID = SECRET, TEMPLATE
    template = MessageTemplate.objects.create(
        organization=shopfront["org"],
        name="微信新品",
        channel="wechat",
        body="{surname}{honorific}，新品到店。",
    )
    consenting, elsewhere = shopfront["consenting"], shopfront["elsewhere"]
    for customer in (consenting, elsewhere):
        set_consent(customer, actor=None, channel="wechat", granted=True, source="到店")
    Customer.objects.filter(pk=consenting.pk).update(wechat_openid=OPENID)
    consenting.refresh_from_db()
    queued = queue_message(consenting, template=template, actor=shopfront["admin"], now=DAYTIME)
    no_openid = queue_message(elsewhere, template=template, actor=shopfront["admin"], now=DAYTIME)
    assert no_openid.suppression_reason == "no_address"
    FakeWeChat.state["answers"] = [(200, {"errcode": 45009, "errmsg": "quota"})]
    assert send_due(now=DAYTIME) == {"retry": 1}
    from datetime import timedelta

    assert send_due(now=DAYTIME + timedelta(minutes=5)) == {"sent": 1}
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.provider_id == "1000"
    (body,) = FakeWeChat.state["sent"].values()
    assert body["touser"] == OPENID and body["client_msg_id"] == str(queued.idempotency_key)
    assert body["data"]["content"]["value"] == "张先生，新品到店。"
