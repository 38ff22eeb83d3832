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
