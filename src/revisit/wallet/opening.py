"""Opening balances brought from another system, written in bulk.

A balance import can hold tens of thousands of rows; `ledger.post` per row would hold the
write lock for minutes. `post_openings` writes the same thing set-based, inside the
caller's transaction, with the ledger's rules: existing accounts are locked, every
opening is one immutable `import` entry whose `balance_after` continues the account's
balance, the account's balance stays the sum of its entries, an idempotency key already
posted is not posted again, and every movement is one audit event (written in bulk).
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from revisit.core.models import AuditEvent, Organization, Staff
from revisit.wallet.ledger import WalletError
from revisit.wallet.models import (
    SINGLE_KINDS,
    Account,
    AccountStatus,
    Entry,
    EntryKind,
    ReferenceType,
)

CHUNK = 2000


@dataclass(frozen=True)
class Opening:
    """One opening balance: the account it lands on (found or opened) and its amount."""

    customer_id: int
    kind: str
    amount: Decimal
    key: str
    store_id: int | None = None
    card_number: str = ""
    item_id: int | None = None
    item_category: str = ""
    unit_value: Decimal | None = None
    expires_on: date | None = None


def opening_key(customer_id: int, kind: str, card_number: str = "", identity: str = "") -> str:
    """The idempotency key of an opening balance. One per account, not per file: a second
    file (or a corrected copy of the first) that brings the same account again finds the
    key and does not add the balance twice. A balance held once (points, stored value,
    credit) is that customer's of that kind; a card is its number, or without a number
    what describes it (`identity`: item, category, expiry)."""
    if kind in SINGLE_KINDS:
        return f"import:{customer_id}:{kind}"
    if card_number:
        digest = hashlib.sha1(card_number.encode("utf-8")).hexdigest()[:32]
        return f"import:{customer_id}:{kind}:c:{digest}"
    digest = hashlib.sha1(identity.encode("utf-8")).hexdigest()[:32]
    return f"import:{customer_id}:{kind}:n:{digest}"


def posted_openings(organization: Organization, keys: list[str]) -> dict[str, Decimal]:
    """{key: amount} of the opening entries already posted under `keys`."""
    found: dict[str, Decimal] = {}
    for start in range(0, len(keys), CHUNK):
        found.update(
            Entry.objects.filter(
                organization=organization, idempotency_key__in=keys[start : start + CHUNK]
            ).values_list("idempotency_key", "amount")
        )
    return found


def post_openings(
    organization: Organization,
    openings: list[Opening],
    *,
    actor: Staff | None,
    reference_id: str,
    reason: str,
    now,
) -> list[Entry]:
    """Post each opening as an `import` entry on its account, opening card accounts and
    missing single accounts; skip keys already posted with the same amount. Raises
    WalletError when a key was posted with another amount, an account is closed or a
    card number is taken. Must run inside the caller's transaction."""
    if not openings:
        return []
    with transaction.atomic():
        done = posted_openings(organization, [o.key for o in openings])
        todo = []
        for opening in openings:
            if opening.key in done:
                if done[opening.key] != opening.amount:
                    raise WalletError(_("This request key was already used for another movement."))
                continue
            todo.append(opening)
        if not todo:
            return []
        accounts = _accounts(organization, todo, actor=actor, now=now)
        entries = []
        balances: dict[int, Decimal] = {}
        for opening, account in zip(todo, accounts, strict=True):
            if account.status != AccountStatus.ACTIVE:
                raise WalletError(_("This account is closed."))
            before = balances.get(account.pk, account.balance)
            balances[account.pk] = before + opening.amount
            entries.append(
                Entry(
                    organization=organization,
                    account=account,
                    kind=EntryKind.IMPORT,
                    amount=opening.amount,
                    balance_after=before + opening.amount,
                    reference_type=ReferenceType.IMPORT,
                    reference_id=reference_id[:64],
                    reason=reason[:200],
                    idempotency_key=opening.key,
                    expires_on=opening.expires_on,
                    actor=actor,
                    created_at=now,
                )
            )
        try:
            with transaction.atomic():
                Entry.objects.bulk_create(entries, batch_size=CHUNK)
        except IntegrityError:
            raise WalletError(
                _("This request key was already used for another movement.")
            ) from None
        for pk, balance in balances.items():
            Account.objects.filter(pk=pk).update(balance=balance)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    organization=organization,
                    actor=actor,
                    action="wallet.import",
                    target_type="customers.customer",
                    target_id=str(entry.account.customer_id),
                    data={
                        "account": entry.account_id,
                        "entry": entry.pk,
                        "amount": str(entry.amount),
                        "balance": str(entry.balance_after),
                        "reason": entry.reason,
                    },
                )
                for entry in entries
            ],
            batch_size=CHUNK,
        )
    return entries


def _accounts(
    organization: Organization, openings: list[Opening], *, actor: Staff | None, now
) -> list[Account]:
    """The account of each opening, in order: the customer's existing single account
    (locked), else a new one; a card is always a new account."""
    singles = [o for o in openings if o.kind in SINGLE_KINDS]
    existing: dict[tuple[int, str], Account] = {}
    customer_ids = sorted({o.customer_id for o in singles})
    for start in range(0, len(customer_ids), CHUNK):
        for account in (
            Account.objects.select_for_update()
            .filter(
                organization=organization,
                kind__in=[k.value for k in SINGLE_KINDS],
                customer_id__in=customer_ids[start : start + CHUNK],
            )
            .order_by("pk")
        ):
            existing[(account.customer_id, account.kind)] = account
    new: list[Account] = []
    chosen: list[Account] = []
    for opening in openings:
        account = existing.get((opening.customer_id, opening.kind))
        if account is None:
            account = Account(
                organization=organization,
                customer_id=opening.customer_id,
                kind=opening.kind,
                store_id=opening.store_id,
                card_number=opening.card_number,
                item_id=opening.item_id,
                item_category=opening.item_category,
                unit_value=opening.unit_value,
                expires_on=opening.expires_on,
                balance=Decimal(0),
                opened_at=now,
            )
            new.append(account)
            if opening.kind in SINGLE_KINDS:
                existing[(opening.customer_id, opening.kind)] = account
        chosen.append(account)
    try:
        with transaction.atomic():
            Account.objects.bulk_create(new, batch_size=CHUNK)
    except IntegrityError:
        raise WalletError(_("This card number is already in use.")) from None
    if new and new[0].pk is None:  # a backend that does not return ids
        raise WalletError("bulk_create returned no ids")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                organization=organization,
                actor=actor,
                action="wallet.open",
                target_type="customers.customer",
                target_id=str(account.customer_id),
                data={
                    "account": account.pk,
                    "kind": account.kind,
                    "card_number": account.card_number,
                },
            )
            for account in new
        ],
        batch_size=CHUNK,
    )
    return chosen
