"""Money is Decimal, rounded in one place."""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_CURRENCY_MARKS = str.maketrans("", "", "¥￥元,，  RMBrmb")


def round_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up (the way a cashier rounds)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(raw: object) -> Decimal:
    """Read an amount as people type it: "¥1,280.50", "１２８０", "-300元", 1280.5.

    Raises ValueError with a message fit for the user when it is not an amount.
    """
    if isinstance(raw, Decimal):
        return round_money(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return round_money(str(raw))
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().translate(_CURRENCY_MARKS)
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    if not text:
        raise ValueError("empty amount")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {raw!r}")
    return round_money(value)
