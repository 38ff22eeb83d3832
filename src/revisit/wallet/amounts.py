"""Amounts a cashier, a client or a command line gives the wallet, checked once: yuan with
at most two decimals, positive, and below a ceiling no till ever reaches (a typing
mistake, or a hostile client, must not post a fortune)."""

import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from revisit.wallet.ledger import WalletError

# One movement is at most one million yuan (the ledger's columns hold far more).
MAX_AMOUNT = Decimal("1000000")
_MARKS = str.maketrans("", "", "¥￥元,，  ")


def check_amount(value: Decimal) -> Decimal:
    """`value` if it is a positive amount of yuan with at most two decimals, not above
    MAX_AMOUNT; else WalletError with a message for the user."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise WalletError(_("Enter an amount, such as 1000 or 99.50."))
    if value <= 0:
        raise WalletError(_("The amount must be more than zero."))
    if value > MAX_AMOUNT:
        raise WalletError(
            _("The amount may be at most %(max)s yuan.") % {"max": f"{MAX_AMOUNT:,.0f}"}
        )
    if value != value.quantize(Decimal("0.01")):
        raise WalletError(_("An amount has at most two decimals (fen)."))
    return value.quantize(Decimal("0.01"))


def parse_amount(raw: object) -> Decimal:
    """An amount as people type it ("¥1,000", "１０００", "99.5"), checked by
    `check_amount`."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    text = text.translate(_MARKS)
    if not text or len(text) > 30:
        raise WalletError(_("Enter an amount, such as 1000 or 99.50."))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise WalletError(_("Enter an amount, such as 1000 or 99.50.")) from None
    return check_amount(value)
