"""Stored value (储值): top-up with the organization's bonus rules (充 N 送 M), spend, and
refunds. Every service is one transaction over `revisit.wallet.ledger.post`, which locks
the account row and audits each movement.

Rules a cashier can read on the cashier page too:

- **Bonus.** A top-up of at least N yuan earns M yuan (the organization's rules table);
  only the best rule reached applies (never the sum of several). The bonus is its own
  entry (kind `earn`), linked to its top-up through `counterpart`, so that a refund can
  find it and take it back.
- **Refund of a top-up** (money back to the customer): its bonus is taken back first, in
  full, whatever part of the top-up is refunded (the bonus was given for the whole
  top-up). Then at most the top-up's amount, less what was already refunded of it, and
  never more than what is left in the balance after the bonus is taken back: what was
  already spent is not refunded. Asking for more is refused and posts nothing.
- **Refund of a spend** (a service cancelled): the amount goes back to the account it was
  spent from, at most the spend less what was already refunded of it.
- **Idempotency.** Each service takes an `idempotency_key`: the same key again returns the
  first result and posts nothing (a double-clicked form, a retried API call).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Organization, Staff, Store
from revisit.customers.models import Customer
from revisit.wallet.amounts import check_amount
from revisit.wallet.ledger import InsufficientBalance, Reference, WalletError, open_account, post
from revisit.wallet.models import (
    Account,
    AccountKind,
    AccountStatus,
    Entry,
    EntryKind,
    TopUpBonusRule,
)

# The kinds a cashier spends as money (cards are redeemed, sessions consumed, points
# redeemed by their own services).
SPENDABLE_KINDS = (AccountKind.STORED_VALUE, AccountKind.CREDIT)
# The kinds whose movements `refund` handles: money. Sessions and points are reversed by
# their own services (course cards, points).
REFUNDABLE_KINDS = (*SPENDABLE_KINDS, AccountKind.GIFT_CARD, AccountKind.FAMILY_CARD)
BONUS_SUFFIX = ":bonus"
MAX_RULES = 20


@dataclass(frozen=True)
class TopUp:
    account: Account
    entry: Entry
    bonus: Entry | None
    replayed: bool = False

    @property
    def balance(self) -> Decimal:
        return (self.bonus or self.entry).balance_after


@dataclass(frozen=True)
class Movement:
    account: Account
    entry: Entry
    replayed: bool = False

    @property
    def balance(self) -> Decimal:
        return self.entry.balance_after


@dataclass(frozen=True)
class Refund:
    account: Account
    entry: Entry
    bonus_taken_back: Entry | None
    replayed: bool = False

    @property
    def balance(self) -> Decimal:
        return self.entry.balance_after


def bonus_rules(organization: Organization) -> list[TopUpBonusRule]:
    return list(TopUpBonusRule.objects.filter(organization=organization).order_by("threshold"))


def bonus_for(organization: Organization, amount: Decimal) -> Decimal:
    """The bonus a top-up of `amount` earns: the best rule it reaches, else 0."""
    rule = (
        TopUpBonusRule.objects.filter(organization=organization, threshold__lte=amount)
        .order_by("-threshold")
        .first()
    )
    return rule.bonus if rule else Decimal("0.00")


def set_bonus_rules(
    organization: Organization, rules: list[tuple[Decimal, Decimal]], *, actor: Staff | None
) -> bool:
    """Replace the organization's bonus rules by `rules` ((threshold, bonus) pairs, each
    amount checked; one rule per threshold). Returns whether anything changed; the change
    is audited with the rules before and after."""
    cleaned = {}
    for threshold, bonus in rules:
        threshold, bonus = check_amount(threshold), check_amount(bonus)
        if threshold in cleaned:
            raise WalletError(_("Two rules for the same top-up amount."))
        if bonus >= threshold:
            raise WalletError(_("A bonus must be less than its top-up amount."))
        cleaned[threshold] = bonus
    if len(cleaned) > MAX_RULES:
        raise WalletError(_("At most %(n)s rules.") % {"n": MAX_RULES})
    with transaction.atomic():
        before = {r.threshold: r.bonus for r in bonus_rules(organization)}
        if before == cleaned:
            return False
        TopUpBonusRule.objects.filter(organization=organization).delete()
        TopUpBonusRule.objects.bulk_create(
            TopUpBonusRule(organization=organization, threshold=t, bonus=b)
            for t, b in sorted(cleaned.items())
        )
        record_event(
            organization,
            actor=actor,
            action="wallet.bonus_rules",
            before=[[str(t), str(b)] for t, b in sorted(before.items())],
            after=[[str(t), str(b)] for t, b in sorted(cleaned.items())],
        )
    return True


def _existing(organization_id: int, key: str) -> Entry | None:
    if not key:
        return None
    return (
        Entry.objects.filter(organization_id=organization_id, idempotency_key=key)
        .select_related("account")
        .first()
    )


def _lock(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def _check_usable(account: Account, now) -> None:
    if account.status != AccountStatus.ACTIVE:
        raise WalletError(_("This account is closed."))
    if account.expires_on and account.expires_on < local_date(account.organization, now):
        raise WalletError(
            _("This card expired on %(day)s.") % {"day": account.expires_on.isoformat()}
        )


def top_up(
    customer: Customer,
    amount: Decimal,
    *,
    actor: Staff | None,
    store: Store | None = None,
    reason: str = "",
    idempotency_key: str = "",
    now=None,
) -> TopUp:
    """Add `amount` yuan to the customer's stored value (opened on first use, at `store`)
    and post the bonus the organization's rules give for it as a second entry."""
    amount = check_amount(amount)
    now = now or timezone.now()
    with transaction.atomic():
        done = _existing(customer.organization_id, idempotency_key)
        if done is not None:
            if done.account.customer_id != customer.pk or done.amount != amount:
                raise WalletError(_("This request key was already used for another movement."))
            bonus = _existing(customer.organization_id, idempotency_key + BONUS_SUFFIX)
            return TopUp(done.account, done, bonus, replayed=True)
        account = open_account(
            customer, AccountKind.STORED_VALUE, actor=actor, now=now, store=store
        )
        account = _lock(account)
        if account.status != AccountStatus.ACTIVE:
            raise WalletError(_("This account is closed."))
        entry = post(
            account,
            amount,
            kind=EntryKind.TOPUP,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            now=now,
        )
        bonus = None
        extra = bonus_for(customer.organization, amount)
        if extra > 0:
            bonus = post(
                account,
                extra,
                kind=EntryKind.EARN,
                actor=actor,
                reason=_("Bonus for a top-up of %(amount)s") % {"amount": amount},
                counterpart=entry,
                idempotency_key=idempotency_key + BONUS_SUFFIX if idempotency_key else "",
                now=now,
            )
    return TopUp(account, entry, bonus)


def spend(
    account: Account,
    amount: Decimal,
    *,
    actor: Staff | None,
    reason: str = "",
    reference: Reference | None = None,
    idempotency_key: str = "",
    now=None,
) -> Movement:
    """Take `amount` yuan from a stored-value or credit account; refused beyond the
    balance, on a closed or expired account, and for other kinds."""
    amount = check_amount(amount)
    now = now or timezone.now()
    if account.kind not in SPENDABLE_KINDS:
        raise WalletError(_("Only stored value and credit are spent at the till."))
    with transaction.atomic():
        done = _existing(account.organization_id, idempotency_key)
        if done is not None:
            if done.account_id != account.pk or done.amount != -amount:
                raise WalletError(_("This request key was already used for another movement."))
            return Movement(done.account, done, replayed=True)
        locked = _lock(account)
        _check_usable(locked, now)
        entry = post(
            locked,
            -amount,
            kind=EntryKind.SPEND,
            actor=actor,
            reason=reason,
            reference=reference or Reference(),
            idempotency_key=idempotency_key,
            now=now,
        )
    return Movement(locked, entry)


def spend_preview(account: Account, amount: Decimal, *, now=None) -> Decimal:
    """The balance `spend` would leave now, or WalletError when it would be refused."""
    amount = check_amount(amount)
    if account.kind not in SPENDABLE_KINDS:
        raise WalletError(_("Only stored value and credit are spent at the till."))
    fresh = Account.objects.select_related("organization").get(pk=account.pk)
    _check_usable(fresh, now or timezone.now())
    if amount > fresh.balance:
        raise InsufficientBalance(
            _("Not enough balance: %(balance)s left.") % {"balance": fresh.balance}
        )
    return fresh.balance - amount


def _sum(queryset) -> Decimal:
    return queryset.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def refundable(entry: Entry) -> Decimal:
    """What may still be refunded of a top-up or a spend, as of now (see the module's
    rules): for a top-up, after its bonus is taken back and within the balance."""
    account = entry.account
    if account.kind not in REFUNDABLE_KINDS:
        return Decimal("0.00")
    if entry.kind == EntryKind.SPEND:
        back = _sum(Entry.objects.filter(counterpart=entry, kind=EntryKind.REFUND))
        return max(-entry.amount - back, Decimal("0.00"))
    if entry.kind == EntryKind.TOPUP:
        cash_left = entry.amount + _sum(
            Entry.objects.filter(counterpart=entry, kind=EntryKind.REFUND)
        )
        bonus_left = _bonus_left(entry)
        balance = Account.objects.get(pk=account.pk).balance
        take_back = min(bonus_left, balance)
        return max(min(cash_left, balance - take_back), Decimal("0.00"))
    return Decimal("0.00")


def _bonus_left(topup: Entry) -> Decimal:
    bonus = Entry.objects.filter(counterpart=topup, kind=EntryKind.EARN).first()
    if bonus is None:
        return Decimal("0.00")
    return bonus.amount + _sum(Entry.objects.filter(counterpart=bonus, kind=EntryKind.REFUND))


def refund_preview(entry: Entry, amount: Decimal | None) -> tuple[Decimal, Decimal]:
    """What `refund` would do now: (the amount refunded, the bonus taken back with it),
    or WalletError when the rules refuse it. Posts nothing."""
    if entry.kind not in (EntryKind.TOPUP, EntryKind.SPEND):
        raise WalletError(_("Only a top-up or a spend can be refunded."))
    account = Account.objects.get(pk=entry.account_id)
    if account.kind not in REFUNDABLE_KINDS:
        raise WalletError(_("Only stored value, credit and card movements are refunded here."))
    if account.status != AccountStatus.ACTIVE:
        raise WalletError(_("This account is closed."))
    most = refundable(entry)
    if most <= 0:
        raise WalletError(_("Nothing of this movement is left to refund."))
    if amount is None:
        amount = most
    if amount > most:
        raise WalletError(
            _(
                "At most %(most)s can be refunded: what was already spent or refunded "
                "is not refunded, and a top-up's bonus is taken back first."
            )
            % {"most": most}
        )
    take = Decimal("0.00")
    if entry.kind == EntryKind.TOPUP:
        take = min(_bonus_left(entry), account.balance)
    return amount, take


def refund(
    entry: Entry,
    amount: Decimal | None = None,
    *,
    actor: Staff | None,
    reason: str = "",
    idempotency_key: str = "",
    now=None,
) -> Refund:
    """Refund a top-up (money back to the customer; its bonus is taken back first) or a
    spend (back onto the account), by `amount` or, when None, all that may be refunded.
    The rules are the module's; a request beyond them is refused and posts nothing."""
    now = now or timezone.now()
    if amount is not None:
        amount = check_amount(amount)
    if entry.kind not in (EntryKind.TOPUP, EntryKind.SPEND):
        raise WalletError(_("Only a top-up or a spend can be refunded."))
    with transaction.atomic():
        done = _existing(entry.organization_id, idempotency_key)
        if done is not None:
            if done.counterpart_id != entry.pk or (
                amount is not None and abs(done.amount) != amount
            ):
                raise WalletError(_("This request key was already used for another movement."))
            back = _existing(entry.organization_id, idempotency_key + BONUS_SUFFIX)
            return Refund(done.account, done, back, replayed=True)
        account = _lock(entry.account)
        amount, take = refund_preview(entry, amount)
        taken_back = None
        if entry.kind == EntryKind.TOPUP:
            bonus = Entry.objects.filter(counterpart=entry, kind=EntryKind.EARN).first()
            if bonus is not None and take > 0:
                taken_back = post(
                    account,
                    -take,
                    kind=EntryKind.REFUND,
                    actor=actor,
                    reason=_("Bonus taken back with the refund of its top-up"),
                    counterpart=bonus,
                    idempotency_key=idempotency_key + BONUS_SUFFIX if idempotency_key else "",
                    now=now,
                )
            signed = -amount
        else:
            signed = amount
        posted = post(
            account,
            signed,
            kind=EntryKind.REFUND,
            actor=actor,
            reason=reason,
            counterpart=entry,
            idempotency_key=idempotency_key,
            now=now,
        )
    return Refund(account, posted, taken_back)
