"""Log filters: a phone number typed into a search must not end up in the access log."""

import logging
import re

# A mobile number as it appears in a URL or a message: 11 digits starting with 1, with or
# without +86 / %2B86 / 86 in front.
_PHONE = re.compile(r"(?<!\d)((?:%2B|\+)?(?:86)?1\d{2})(\d{4})(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskPhones(logging.Filter):
    """Masks mobile numbers in the formatted message of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phones(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
