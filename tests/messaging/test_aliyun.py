"""The Aliyun SMS adapter against a local fake of its RPC API that checks the signature
the way Aliyun does (never the real network)."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from revisit.messaging.backends import AliyunSmsBackend, ProviderError, aliyun_signature
from revisit.messaging.models import Message

KEY_ID, SECRET = "testid", "testsecret"


class FakeAliyun(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []
    sent: dict = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        params = dict(
            urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
        )
        FakeAliyun.received.append(params)
        signature = params.pop("Signature", "")
        if params.get("AccessKeyId") != KEY_ID or signature != aliyun_signature(params, SECRET):
            return self._json(400, {"Code": "SignatureDoesNotMatch", "Message": "bad"})
        if params["Action"] == "QuerySendDetails":
            rows = [{"OutId": k, "PhoneNum": params["PhoneNumber"]} for k in FakeAliyun.sent]
            return self._json(200, {"Code": "OK", "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}})
        if FakeAliyun.answers:
            status, body = FakeAliyun.answers.pop(0)
            return self._json(status, body)
        FakeAliyun.sent[params["OutId"]] = params
        return self._json(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def aliyun():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    FakeAliyun.answers, FakeAliyun.received, FakeAliyun.sent = [], [], {}
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def _backend(url, secret=SECRET):
    return AliyunSmsBackend(
        endpoint=url, key_id=KEY_ID, secret=secret, sign_name="示例", template="SMS_1"
    )


def _message():
    return Message(pk=1, channel="sms", text="【示例】新品上市，回T退订")


def test_the_signature_matches_aliyuns_documented_example():
    # The example of Aliyun's RPC signature documentation (GET, secret "testsecret").
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert aliyun_signature(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_a_signed_send_is_accepted_and_returns_the_biz_id(aliyun):
    key = "0b7c1f7e-6a2b-4f4e-9d43-1c2d3e4f5a6b"
    provider_id = _backend(aliyun).send(
        _message(), to="+8613800000001", text="【示例】新品上市", subject="", key=key
    )
    assert provider_id == "900619746936498440^0"
    params = FakeAliyun.received[0]
    assert params["PhoneNumbers"] == "13800000001" and params["OutId"] == key
    assert json.loads(params["TemplateParam"]) == {"content": "【示例】新品上市"}
    assert params["SignName"] == "示例"


def test_a_wrong_secret_is_refused_and_not_retried(aliyun):
    with pytest.raises(ProviderError) as error:
        _backend(aliyun, secret="wrong").send(
            _message(), to="+8613800000001", text="x", subject="", key="k"
        )
    assert error.value.code == "SignatureDoesNotMatch" and not error.value.retry


@pytest.mark.parametrize(
    "status, body, retry",
    [
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}, True),
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "号码格式错误"}, False),
        (200, {"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "余额不足"}, False),
        (503, {"Code": "ServiceUnavailable"}, True),
        (200, ["not", "an", "object"], True),
    ],
)
def test_error_codes_map_to_retry_or_fail(aliyun, status, body, retry):
    FakeAliyun.answers = [(status, body)]
    with pytest.raises(ProviderError) as error:
        _backend(aliyun).send(_message(), to="+8613800000001", text="x", subject="", key="k")
    assert error.value.retry is retry


def test_an_unreachable_provider_is_retried():
    with pytest.raises(ProviderError) as error:
        _backend("http://127.0.0.1:9/").send(
            _message(), to="+8613800000001", text="x", subject="", key="k"
        )
    assert error.value.retry


def test_lookup_finds_a_send_by_its_out_id(aliyun):
    backend = _backend(aliyun)
    backend.send(_message(), to="+8613800000001", text="x", subject="", key="key-1")
    assert backend.lookup(_message(), to="+8613800000001", key="key-1")
    assert backend.lookup(_message(), to="+8613800000001", key="key-2") is None


@pytest.mark.django_db
def test_the_worker_sends_through_aliyun_and_retries_throttling(aliyun, shopfront, settings):
    from datetime import timedelta

    from revisit.messaging.outbox import send_due
    from revisit.messaging.services import queue_message
    from tests.messaging.conftest import DAYTIME

    settings.MESSAGING_SMS_BACKEND = "revisit.messaging.backends.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = aliyun
    settings.ALIYUN_ACCESS_KEY_ID, settings.ALIYUN_ACCESS_KEY_SECRET = KEY_ID, SECRET
    settings.ALIYUN_SMS_SIGN_NAME, settings.ALIYUN_SMS_TEMPLATE_CODE = "示例", "SMS_1"
    message = queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        now=DAYTIME,
    )
    FakeAliyun.answers = [(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "流控"})]
    assert send_due(now=DAYTIME) == {"retry": 1}
    assert send_due(now=DAYTIME + timedelta(minutes=5)) == {"sent": 1}
    message.refresh_from_db()
    assert message.provider_id == "900619746936498440^0"
    assert list(FakeAliyun.sent) == [str(message.idempotency_key)]
