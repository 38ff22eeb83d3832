"""Email addresses and WeChat recipient ids on the card: checked, normalized, masked."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

EMAIL_MAX = 254
OPENID_MAX = 64
# A WeChat service account's openid or a WeCom external contact's external_userid:
# letters, digits, '-' and '_' (the platform's own alphabet), never typed by the customer.
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")


def normalize_email(raw: object) -> str:
    """The address as stored: trimmed, the domain in lower case. Raises ValueError when
    it is not an email address ("" stays "")."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        return ""
    if len(text) > EMAIL_MAX:
        raise ValueError("too long")
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(f"not an email address: {text[:60]}") from None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_openid(raw: object) -> str:
    """A WeChat openid / WeCom external_userid as stored. Raises ValueError."""
    text = str(raw or "").strip()
    if text and not _OPENID.fullmatch(text):
        raise ValueError("not a WeChat id")
    return text


def mask_email(address: str) -> str:
    """z***@example.com: what a role without the reveal permission sees. The domain stays
    (it says nothing about the person); the name keeps its first character."""
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
