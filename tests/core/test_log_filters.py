"""A phone number typed into a search never reaches the logs in full."""

import logging

from revisit.core.log_filters import MaskPhones, mask_phones


def test_numbers_in_urls_are_masked_other_numbers_are_not():
    line = '"GET /customers/?q=13812345678&page=2 HTTP/1.1" 200 5120'
    assert mask_phones(line) == '"GET /customers/?q=138****5678&page=2 HTTP/1.1" 200 5120'
    assert mask_phones("q=%2B8613812345678") == "q=%2B86138****5678"
    assert mask_phones("order 20240501123456 amount 1980") == "order 20240501123456 amount 1980"


def test_the_configured_handlers_mask_access_lines(caplog):
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s', ("GET /?q=13900001111", 200), None
    )
    assert MaskPhones().filter(record)
    assert record.getMessage() == '"GET /?q=139****1111" 200'
    handler = logging.getLogger("django.server").handlers[0]
    assert any(isinstance(f, MaskPhones) for f in handler.filters)


def test_gunicorn_access_lines_are_masked():
    from types import SimpleNamespace

    from gunicorn.config import Config

    from revisit.core.gunicorn_logging import MaskedLogger

    logger = MaskedLogger(Config())
    request = SimpleNamespace(
        method="GET",
        path="/customers/",
        query="q=13812345678",
        uri="/customers/?q=13812345678",
        version=(1, 1),
        headers=[],
        peer_addr=("127.0.0.1", 5000),
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "RAW_URI": "/customers/?q=13812345678",
        "QUERY_STRING": "q=13812345678",
        "PATH_INFO": "/customers/",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    from datetime import timedelta

    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    assert "13812345678" not in " ".join(str(v) for v in atoms.values())
    assert "138****5678" in atoms["r"]
