"""How accounts and entries read on the pages, the API and the command line: one row
shape for every kind (points, stored value, credit, course cards, gift and family cards),
so a kind added later shows without a change here."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from revisit.wallet.models import (
    WHOLE_UNIT_KINDS,
    Account,
    AccountKind,
    AccountStatus,
    Entry,
)


def unit_label(kind: str) -> str:
    if kind == AccountKind.COURSE_CARD:
        return _("sessions")
    if kind == AccountKind.POINTS:
        return _("points")
    return _("yuan")


def quantity(kind: str, value: Decimal) -> str:
    """A balance or an amount as read: whole sessions and points, yuan with fen."""
    if kind in WHOLE_UNIT_KINDS:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def is_expired(account: Account, today: date) -> bool:
    return bool(account.expires_on and account.expires_on < today)


def status_label(account: Account, today: date) -> str:
    if account.status != AccountStatus.ACTIVE:
        return str(account.get_status_display())
    if is_expired(account, today):
        return _("Expired")
    return str(account.get_status_display())


def account_row(account: Account, today: date) -> dict:
    return {
        "account": account,
        "id": account.pk,
        "kind": account.kind,
        "kind_label": str(account.get_kind_display()),
        "card_number": account.card_number,
        "balance": quantity(account.kind, account.balance),
        "unit": unit_label(account.kind),
        "expires_on": account.expires_on,
        "status_label": status_label(account, today),
        "expired": is_expired(account, today),
        "holder_only_gives": not account.holder_may_redeem,
        "item": account.item.name if account.item_id else account.item_category,
    }


def entry_row(entry: Entry, kind: str) -> dict:
    redemption = getattr(entry, "redemption", None)
    return {
        "entry": entry,
        "id": entry.pk,
        "at": entry.created_at,
        "kind_label": str(entry.get_kind_display()),
        "amount": ("+" if entry.amount > 0 else "") + quantity(kind, entry.amount),
        "balance_after": quantity(kind, entry.balance_after),
        "reason": entry.reason,
        "actor": entry.actor,
        "redeemer": redemption.redeemer if redemption else None,
    }
