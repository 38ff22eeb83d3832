"""Gift cards (体验卡) and family cards (亲情卡): a value in yuan issued to a holder with an
expiry, used at the till by a person named there (the redeemer).

A family card is a present: the holder gives it to a friend and cannot use it herself
(seed 000: 可以给朋友使用, 本人不能使用), so it is always issued with
`holder_may_redeem=False` and refused for its holder. A gift card may be used by anyone,
its holder included, unless issued with `holder_may_redeem=False`.

Each service is one transaction; the ledger audits each movement and the redeemer is kept
in a `CardRedemption` row beside the spend entry.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item
from revisit.wallet.amounts import check_amount
from revisit.wallet.ledger import (
    InsufficientBalance,
    WalletError,
    entry_by_key,
    open_account,
    post,
)
from revisit.wallet.models import (
    Account,
    AccountKind,
    AccountStatus,
    CardRedemption,
    Entry,
    EntryKind,
)

CARD_KINDS = (AccountKind.GIFT_CARD, AccountKind.FAMILY_CARD)
CARD_PREFIX = {AccountKind.GIFT_CARD: "TY", AccountKind.FAMILY_CARD: "QQ"}
MAX_CARD_NUMBER = 40
# A card valid for more than ten years is a typing mistake.
MAX_VALID_DAYS = 3660


@dataclass(frozen=True)
class Redemption:
    card: Account
    entry: Entry
    redeemer: Customer
    replayed: bool = False

    @property
    def balance(self) -> Decimal:
        return self.entry.balance_after


def _new_number(customer: Customer, kind: str, today: date) -> str:
    prefix = CARD_PREFIX[kind]
    while True:
        number = f"{prefix}{today:%y%m%d}{secrets.randbelow(10**6):06d}"
        if not Account.objects.filter(
            organization_id=customer.organization_id, card_number=number
        ).exists():
            return number


def issue_preview(
    holder: Customer,
    *,
    kind: str,
    value: Decimal,
    expires_on: date,
    card_number: str = "",
    item: Item | None = None,
    holder_may_redeem: bool | None = None,
    now=None,
) -> tuple[Decimal, str, bool]:
    """The checked (value, card number as given, whether the holder may use it) of a
    card `issue_card` would issue now, or WalletError. Posts nothing."""
    if kind not in CARD_KINDS:
        raise WalletError(_("Only gift cards and family cards are issued here."))
    value = check_amount(value)
    today = local_date(holder.organization, now or timezone.now())
    if expires_on is None or expires_on < today:
        raise WalletError(_("A card's expiry must be today or later."))
    if (expires_on - today).days > MAX_VALID_DAYS:
        raise WalletError(_("A card is valid for at most ten years."))
    card_number = (card_number or "").strip()
    if len(card_number) > MAX_CARD_NUMBER or not card_number.isprintable():
        raise WalletError(_("A card number has at most 40 characters."))
    if (
        card_number
        and Account.objects.filter(
            organization_id=holder.organization_id, card_number=card_number
        ).exists()
    ):
        raise WalletError(_("This card number is already in use."))
    if kind == AccountKind.FAMILY_CARD:
        holder_may_redeem = False
    elif holder_may_redeem is None:
        holder_may_redeem = True
    if item is not None and item.organization_id != holder.organization_id:
        raise WalletError(_("This item is not in the organization's catalog."))
    return value, card_number, holder_may_redeem


def issue_card(
    holder: Customer,
    *,
    kind: str,
    value: Decimal,
    expires_on: date,
    actor: Staff | None,
    store: Store | None = None,
    card_number: str = "",
    item: Item | None = None,
    holder_may_redeem: bool | None = None,
    reason: str = "",
    idempotency_key: str = "",
    now=None,
) -> Account:
    """Issue a gift or family card of `value` yuan to `holder`, valid to `expires_on`.
    The card number is generated when not given (TY… gift, QQ… family). A family card
    is never usable by its holder."""
    now = now or timezone.now()
    with transaction.atomic():
        if idempotency_key:
            done = entry_by_key(holder.organization_id, idempotency_key)
            if done is not None:
                if done.account.customer_id != holder.pk or done.amount != check_amount(value):
                    raise WalletError(_("This request key was already used for another movement."))
                return done.account
        value, card_number, holder_may_redeem = issue_preview(
            holder,
            kind=kind,
            value=value,
            expires_on=expires_on,
            card_number=card_number,
            item=item,
            holder_may_redeem=holder_may_redeem,
            now=now,
        )
        today = local_date(holder.organization, now)
        card = open_account(
            holder,
            kind,
            actor=actor,
            now=now,
            store=store,
            card_number=card_number or _new_number(holder, kind, today),
            item=item,
            unit_value=Decimal("1.00"),
            expires_on=expires_on,
            holder_may_redeem=holder_may_redeem,
        )
        post(
            card,
            value,
            kind=EntryKind.EARN,
            actor=actor,
            reason=reason or _("Card issued"),
            idempotency_key=idempotency_key,
            now=now,
        )
    return card


def _redeemable(card: Account, redeemer: Customer, amount: Decimal | None, now) -> Decimal:
    """The amount `redeemer` may use of `card` (its current row) now, or WalletError."""
    if redeemer.pk == card.customer_id and not card.holder_may_redeem:
        raise WalletError(
            _(
                "The holder cannot use this card herself: a family card is given to "
                "another person, who uses it under her own name."
            )
        )
    if card.status != AccountStatus.ACTIVE:
        raise WalletError(_("This card is closed."))
    if card.expires_on and card.expires_on < local_date(card.organization, now):
        raise WalletError(_("This card expired on %(day)s.") % {"day": card.expires_on.isoformat()})
    if amount is None:
        amount = card.balance
    if amount <= 0:
        raise WalletError(_("Nothing is left on this card."))
    if amount > card.balance:
        raise InsufficientBalance(
            _("Not enough balance: %(balance)s left.") % {"balance": card.balance}
        )
    return amount


def _check_redeemer(card: Account, redeemer: Customer) -> None:
    if card.kind not in CARD_KINDS:
        raise WalletError(_("This is not a gift card or a family card."))
    if redeemer.organization_id != card.organization_id:
        raise WalletError(_("This customer belongs to another organization."))


def redeem_preview(
    card: Account, redeemer: Customer, amount: Decimal | None = None, *, now=None
) -> tuple[Decimal, Decimal]:
    """What `redeem_card` would do now: (the amount used, the card's balance after), or
    WalletError when it would be refused. Posts nothing."""
    _check_redeemer(card, redeemer)
    if amount is not None:
        amount = check_amount(amount)
    fresh = Account.objects.select_related("organization").get(pk=card.pk)
    amount = _redeemable(fresh, redeemer, amount, now or timezone.now())
    return amount, fresh.balance - amount


def redeem_card(
    card: Account,
    redeemer: Customer,
    amount: Decimal | None = None,
    *,
    actor: Staff | None,
    reason: str = "",
    idempotency_key: str = "",
    now=None,
) -> Redemption:
    """`redeemer` uses `amount` yuan of the card (all that is left when None). Refused
    for the holder of a card she may not use herself (a family card), for an expired or
    closed card, and beyond its balance."""
    now = now or timezone.now()
    _check_redeemer(card, redeemer)
    if amount is not None:
        amount = check_amount(amount)
    with transaction.atomic():
        if idempotency_key:
            done = entry_by_key(card.organization_id, idempotency_key, "redemption")
            if done is not None:
                redemption = getattr(done, "redemption", None)
                if (
                    redemption is None
                    or done.account_id != card.pk
                    or redemption.redeemer_id != redeemer.pk
                    or (amount is not None and -done.amount != amount)
                ):
                    raise WalletError(_("This request key was already used for another movement."))
                return Redemption(done.account, done, redeemer, replayed=True)
        locked = Account.objects.select_for_update().get(pk=card.pk)
        amount = _redeemable(locked, redeemer, amount, now)
        entry = post(
            locked,
            -amount,
            kind=EntryKind.SPEND,
            actor=actor,
            reason=reason
            or _("Used by %(name)s %(code)s") % {"name": redeemer.name, "code": redeemer.code},
            idempotency_key=idempotency_key,
            now=now,
        )
        CardRedemption.objects.create(
            organization_id=locked.organization_id,
            entry=entry,
            card=locked,
            redeemer=redeemer,
            created_at=now,
        )
        if redeemer.pk != locked.customer_id:
            record_event(
                locked.organization,
                actor=actor,
                action="wallet.redeem",
                target=redeemer,
                card=locked.pk,
                card_number=locked.card_number,
                holder=locked.customer_id,
                entry=entry.pk,
                amount=str(amount),
            )
    return Redemption(locked, entry, redeemer)
