"""The ledger's two primitives: open an account, post a movement. Every balance change in
the product (points earned on an order, a stored-value top-up, a course-card session used,
a referral rebate, an expiry) is one `post` call, so that the rules below hold everywhere:

- the account row is locked for the movement (`select_for_update`; SQLite serialises
  writers with IMMEDIATE transactions), so two cashiers spending the last session of one
  card at once end with exactly one success;
- a balance never goes below zero; course-card sessions and points move in whole units;
- an idempotency key makes a retried request or a re-imported order post once;
- every movement records an audit event.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.audit import record_event
from revisit.core.models import Staff
from revisit.core.money import round_money
from revisit.customers.models import Customer
from revisit.wallet.models import (
    SINGLE_KINDS,
    WHOLE_UNIT_KINDS,
    Account,
    AccountKind,
    AccountStatus,
    Entry,
    EntryKind,
    ReferenceType,
)


class WalletError(Exception):
    """A movement the ledger refuses; `message` is for the user (translated)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class InsufficientBalance(WalletError):
    pass


@dataclass(frozen=True)
class Reference:
    """What a movement came from: an order line, an appointment, a referral, a manual
    correction… (`type` is a `ReferenceType`)."""

    type: str = ReferenceType.MANUAL
    id: str = ""


def open_account(
    customer: Customer,
    kind: str,
    *,
    actor: Staff | None,
    now=None,
    **fields,
) -> Account:
    """The customer's account of `kind`. Points, stored value and credit exist once per
    customer (returned if open already); cards (course, gift, family) are opened anew with
    `fields` (card_number, item, item_category, unit_value, expires_on, store, …)."""
    if kind not in AccountKind.values:
        raise ValueError(f"unknown account kind {kind!r}")
    now = now or timezone.now()
    if actor is not None and actor.organization_id != customer.organization_id:
        raise WalletError(_("This customer belongs to another organization."))
    if kind in SINGLE_KINDS:
        account, created = Account.objects.get_or_create(
            customer=customer,
            kind=kind,
            defaults={"organization_id": customer.organization_id, "opened_at": now, **fields},
        )
        if not created:
            return account
    else:
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    organization_id=customer.organization_id,
                    customer=customer,
                    kind=kind,
                    opened_at=now,
                    **fields,
                )
        except IntegrityError:
            raise WalletError(_("This card number is already in use.")) from None
    record_event(
        customer.organization,
        actor=actor,
        action="wallet.open",
        target=customer,
        account=account.pk,
        kind=kind,
        card_number=account.card_number,
    )
    return account


def entry_by_key(organization_id: int, key: str, *related: str) -> Entry | None:
    """The entry an idempotency key already posted, or None: one probe of the unique
    (organization, key) index. Unordered on purpose: the model's ordering joins the
    account, customer and organization to sort, and PostgreSQL without statistics walked
    that order for LIMIT 1 (seconds a lookup). The exclude is the index's own condition
    (`models.keyed`), which SQLite needs to use it."""
    found = Entry.objects.filter(organization_id=organization_id, idempotency_key=key).exclude(
        idempotency_key=""
    )
    if related:  # select_related() without names would follow every foreign key
        found = found.select_related(*related)
    return next(iter(found.order_by()[:1]), None)


def post(
    account: Account,
    amount: Decimal | int | str,
    *,
    kind: str,
    actor: Staff | None,
    reference: Reference = Reference(),
    reason: str = "",
    idempotency_key: str = "",
    expires_on: date | None = None,
    counterpart: Entry | None = None,
    now=None,
) -> Entry:
    """Add `amount` (negative takes) to `account` as one immutable entry of `kind`, and
    return it. Raises `InsufficientBalance` when the balance would go below zero and
    `WalletError` for a closed account or a fractional session. With an
    `idempotency_key` already posted in the organization, returns that entry and posts
    nothing (a key reused for another account or amount is refused)."""
    if kind not in EntryKind.values:
        raise ValueError(f"unknown entry kind {kind!r}")
    amount = round_money(amount)
    if amount == 0:
        raise WalletError(_("The amount must not be zero."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if idempotency_key:
            done = entry_by_key(locked.organization_id, idempotency_key)
            if done is not None:
                if done.account_id != locked.pk or done.amount != amount:
                    raise WalletError(_("This request key was already used for another movement."))
                return done
        if locked.status != AccountStatus.ACTIVE:
            raise WalletError(_("This account is closed."))
        if locked.kind in WHOLE_UNIT_KINDS and amount != amount.to_integral_value():
            raise WalletError(_("Sessions and points move in whole units."))
        balance = locked.balance + amount
        if balance < 0:
            raise InsufficientBalance(
                _("Not enough balance: %(balance)s left.") % {"balance": locked.balance}
            )
        entry = Entry.objects.create(
            organization_id=locked.organization_id,
            account=locked,
            kind=kind,
            amount=amount,
            balance_after=balance,
            reference_type=reference.type,
            reference_id=str(reference.id),
            counterpart=counterpart,
            reason=reason.strip()[:200],
            idempotency_key=idempotency_key,
            expires_on=expires_on,
            actor=actor,
            created_at=now,
        )
        Account.objects.filter(pk=locked.pk).update(balance=balance)
        account.balance = balance
        record_event(
            locked.organization,
            actor=actor,
            action=f"wallet.{kind}",
            target=locked.customer,
            account=locked.pk,
            entry=entry.pk,
            amount=str(amount),
            balance=str(balance),
            reason=entry.reason,
        )
    return entry


def transfer(
    source: Account,
    target: Account,
    amount: Decimal | int | str,
    *,
    actor: Staff | None,
    reason: str,
    now=None,
) -> tuple[Entry, Entry]:
    """Move `amount` from `source` to `target` (same kind, same organization) as a pair of
    entries in one transaction; the incoming entry names the outgoing one."""
    amount = round_money(amount)
    if amount <= 0:
        raise WalletError(_("The amount must be positive."))
    if source.pk == target.pk:
        raise WalletError(_("An account cannot transfer to itself."))
    if source.kind != target.kind or source.organization_id != target.organization_id:
        raise WalletError(_("Balances move only between accounts of the same kind."))
    if not reason.strip():
        raise WalletError(_("A transfer needs a reason."))
    with transaction.atomic():
        # Lock both rows in id order so that two opposite transfers cannot deadlock.
        list(
            Account.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        )
        out = post(
            source,
            -amount,
            kind=EntryKind.TRANSFER,
            actor=actor,
            reference=Reference(ReferenceType.ACCOUNT, str(target.pk)),
            reason=reason,
            now=now,
        )
        into = post(
            target,
            amount,
            kind=EntryKind.TRANSFER,
            actor=actor,
            reference=Reference(ReferenceType.ACCOUNT, str(source.pk)),
            reason=reason,
            counterpart=out,
            now=now,
        )
    return out, into
