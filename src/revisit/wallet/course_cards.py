"""Course cards (疗程卡): N sessions of an item (or of any item of a category), sold at a
price, valid until a date. A card is a ledger account of kind `course_card` whose balance
is the sessions left; every movement is a `revisit.wallet.ledger.post`:

- sold: +N (`topup`), on a page, the API, the command line, or from an imported order
  line of an item flagged as a course-card product (`CourseCardProduct`);
- a visit: −1 (`spend`), when an appointment of a covered item reaches done (once per
  appointment), or from an imported order line of a covered item paid 0 (划卡: the card
  paid for the session; once per line), or on a page; the card used is the one covering
  the item that expires first; an expired card is refused with a message;
- transferred: the remaining sessions move to a new card of another customer (seed 004's
  transfer agreement), as a pair of `transfer` entries, with a reason, audited.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Role, Staff, Store
from revisit.core.money import round_money
from revisit.customers.models import Customer
from revisit.sales.models import Item, OrderLine
from revisit.wallet.course_card_models import (
    MAX_SESSIONS,
    CourseCardProduct,
    CourseCardSettings,
)
from revisit.wallet.ledger import (
    InsufficientBalance,
    Reference,
    WalletError,
    entry_by_key,
    open_account,
    post,
    transfer,
)
from revisit.wallet.models import (
    Account,
    AccountKind,
    AccountStatus,
    Entry,
    EntryKind,
    ReferenceType,
)

MAX_PRICE = Decimal("100000000")  # a card priced above 100 million yuan is a typo
MAX_YEARS = 10  # nor is one valid for longer
COURSE_CARD = AccountKind.COURSE_CARD
MANUAL = Reference()  # entered by staff

# Who sells a card, uses a session at a visit, transfers sessions (pages, API, CLI).
SELL_ROLES = {Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK, Role.CONSULTANT}
CONSUME_ROLES = {Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK, Role.PRACTITIONER}
TRANSFER_ROLES = {Role.ADMIN, Role.STORE_MANAGER}


class CourseCardError(WalletError):
    """A course-card action refused; `message` is for the user."""


class CardExpired(CourseCardError):
    """The only cards that would cover the visit have expired."""


def course_card_settings(organization) -> CourseCardSettings:
    settings, _created = CourseCardSettings.objects.get_or_create(organization=organization)
    return settings


def card_label(card: Account) -> str:
    """What the card is for: the item's name, else the category."""
    if card.item_id:
        return card.item.name
    return card.item_category or "—"


def card_category(card: Account) -> str:
    return card.item.category if card.item_id else card.item_category


def is_expired(card: Account, on: date) -> bool:
    return card.expires_on is not None and card.expires_on < on


def covers(card: Account, item: Item) -> bool:
    return card.item_id == item.pk or bool(
        card.item_category and item.category == card.item_category
    )


def _covering(item: Item) -> Q:
    q = Q(item_id=item.pk)
    if item.category:
        q |= Q(item_category=item.category)
    return q


def course_cards(customer: Customer):
    """The customer's course cards, newest first."""
    return (
        Account.objects.filter(customer=customer, kind=COURSE_CARD)
        .select_related("item", "store")
        .order_by("-opened_at", "-pk")
    )


def _parse_sessions(value) -> int:
    try:
        sessions = int(str(value).strip())
    except (TypeError, ValueError):
        raise CourseCardError(_("The number of sessions must be a whole number.")) from None
    if not 1 <= sessions <= MAX_SESSIONS:
        raise CourseCardError(
            _("The number of sessions must be between 1 and %(max)s.") % {"max": MAX_SESSIONS}
        )
    return sessions


def _parse_price(value) -> Decimal:
    try:
        price = round_money(value)
    except (InvalidOperation, TypeError, ValueError, ArithmeticError):
        raise CourseCardError(_("The price must be an amount in yuan.")) from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise CourseCardError(_("The price must be an amount in yuan."))
    return price


def _free_card_number(organization_id: int, wanted: str) -> str:
    """`wanted`, or wanted-2, wanted-3… when taken (cards opened from order lines)."""
    taken = set(
        Account.objects.filter(
            organization_id=organization_id, card_number__startswith=wanted
        ).values_list("card_number", flat=True)
    )
    number, n = wanted, 1
    while number in taken:
        n += 1
        number = f"{wanted[:58]}-{n}"
    return number


def sell_course_card(
    customer: Customer,
    *,
    actor: Staff | None,
    sessions,
    price,
    expires_on: date | None,
    item: Item | None = None,
    item_category: str = "",
    card_number: str = "",
    store: Store | None = None,
    reference: Reference = MANUAL,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> Account:
    """Sell the customer a card of `sessions` sessions of `item` (or of any item of
    `item_category`) for `price`, valid until `expires_on` (inclusive). Each session is
    worth price / sessions. A blank card number is generated. With an `idempotency_key`
    already used, returns that sale's card and sells nothing."""
    now = now or timezone.now()
    org_id = customer.organization_id
    if idempotency_key:
        done = entry_by_key(org_id, idempotency_key)
        if done is not None:
            return done.account
    sessions = _parse_sessions(sessions)
    price = _parse_price(price)
    item_category = (item_category or "").strip()[:100]
    if item is not None and item.organization_id != org_id:
        raise CourseCardError(_("This item is not in the organization's catalog."))
    if item is None and not item_category:
        raise CourseCardError(_("Choose the item or the item category the card is for."))
    if item is not None:
        item_category = ""  # one item, not its whole category
    if store is not None and store.organization_id != org_id:
        raise CourseCardError(_("This store belongs to another organization."))
    sold_on = local_date(customer.organization, now)
    if expires_on is not None and not (
        sold_on <= expires_on <= sold_on + timedelta(days=366 * MAX_YEARS)
    ):
        raise CourseCardError(
            _("The expiry date must be between the day of sale and %(years)s years later.")
            % {"years": MAX_YEARS}
        )
    card_number = (card_number or "").strip()
    if len(card_number) > 64:
        raise CourseCardError(_("The card number is longer than 64 characters."))
    if not card_number:
        card_number = f"K{sold_on:%Y%m%d}-{secrets.token_hex(3).upper()}"
    with transaction.atomic():
        card = open_account(
            customer,
            COURSE_CARD,
            actor=actor,
            now=now,
            card_number=card_number,
            item=item,
            item_category=item_category,
            unit_value=round_money(price / sessions),
            expires_on=expires_on,
            store=store,
        )
        post(
            card,
            sessions,
            kind=EntryKind.TOPUP,
            actor=actor,
            reference=reference,
            reason=_("Course card sold: %(sessions)s sessions for %(price)s yuan")
            % {"sessions": sessions, "price": price},
            idempotency_key=idempotency_key,
            now=now,
        )
    return card


def _expired_message(card: Account) -> str:
    return _("Course card %(number)s (%(item)s) expired on %(date)s: it cannot be used.") % {
        "number": card.card_number,
        "item": card_label(card),
        "date": card.expires_on.isoformat(),
    }


def consume_session(
    customer: Customer,
    *,
    actor: Staff | None,
    item: Item | None = None,
    card: Account | None = None,
    reference: Reference = MANUAL,
    idempotency_key: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Entry:
    """Use one session of the customer's course card for a visit: of `card` when given,
    else of her card covering `item` that expires first (cards sold after `now` are not
    counted). Raises CardExpired when only expired cards cover it, CourseCardError when
    none does. With an `idempotency_key` already used, returns that entry."""
    now = now or timezone.now()
    if idempotency_key:
        done = entry_by_key(customer.organization_id, idempotency_key)
        if done is not None:
            used = done.account
            if (
                used.customer_id != customer.pk
                or done.kind != EntryKind.SPEND
                or (card is not None and used.pk != card.pk)
                or (item is not None and not covers(used, item))
            ):
                raise CourseCardError(_("This request key was already used for another movement."))
            return done
    today = local_date(customer.organization, now)
    if card is not None:
        if card.customer_id != customer.pk or card.kind != COURSE_CARD:
            raise CourseCardError(_("This is not one of her course cards."))
        if item is not None and not covers(card, item):
            raise CourseCardError(_("This card does not cover %(item)s.") % {"item": item.name})
        if is_expired(card, today):
            raise CardExpired(_expired_message(card))
        if card.status != AccountStatus.ACTIVE or card.balance <= 0:
            raise CourseCardError(_("This card has no sessions left."))
        candidates = [card]
    else:
        if item is None:
            raise CourseCardError(_("Choose the item of the visit."))
        cards = list(
            Account.objects.filter(
                _covering(item),
                customer=customer,
                kind=COURSE_CARD,
                status=AccountStatus.ACTIVE,
                balance__gt=0,
                opened_at__lte=now,
            )
            .select_related("item")
            .order_by("expires_on", "opened_at", "pk")  # NULL (never expires) last on both DBs
        )
        cards.sort(key=lambda c: (c.expires_on is None, c.expires_on or today, c.opened_at, c.pk))
        candidates = [c for c in cards if not is_expired(c, today)]
        if not candidates:
            if cards:
                raise CardExpired(_expired_message(cards[0]))
            raise CourseCardError(
                _("She has no course card for %(item)s with sessions left.") % {"item": item.name}
            )
    for i, candidate in enumerate(candidates):
        try:
            return post(
                candidate,
                -1,
                kind=EntryKind.SPEND,
                actor=actor,
                reference=reference,
                reason=reason or _("One session used"),
                idempotency_key=idempotency_key,
                now=now,
            )
        except InsufficientBalance:
            # Another desk used the last session a moment ago: the next card, if any.
            if i == len(candidates) - 1:
                raise CourseCardError(_("This card has no sessions left.")) from None
    raise AssertionError("unreachable")


def _same_day_use(customer_id: int, item: Item, day_start, day_end, reference_type: str) -> bool:
    """A session of a card covering `item` was used that day through `reference_type`."""
    return Entry.objects.filter(
        account__customer_id=customer_id,
        account__kind=COURSE_CARD,
        kind=EntryKind.SPEND,
        reference_type=reference_type,
        created_at__gte=day_start,
        created_at__lt=day_end,
        account__in=Account.objects.filter(_covering(item), customer_id=customer_id),
    ).exists()


@dataclass
class Applied:
    """What a visit or an import did to course cards."""

    sold: int = 0
    consumed: int = 0
    refused: list[str] | None = None

    def __post_init__(self):
        self.refused = self.refused or []


def consume_for_appointment(appointment, *, actor: Staff | None, now=None) -> Entry | None:
    """The appointment reached done: use one session of her card covering its item, once
    per appointment. Without a covering card nothing happens; with only expired ones the
    refusal is audited and the appointment stays done. A session already used that day
    through an imported order line is the same visit (nothing more is used)."""
    if not appointment.item_id:
        return None
    now = now or timezone.now()
    customer = appointment.customer
    item = appointment.item
    if not Account.objects.filter(
        _covering(item), customer=customer, kind=COURSE_CARD, balance__gt=0
    ).exists():
        return None
    start, end = day_bounds(customer.organization, local_date(customer.organization, now))
    if _same_day_use(customer.pk, item, start, end, ReferenceType.ORDER_LINE):
        return None
    try:
        return consume_session(
            customer,
            actor=actor,
            item=item,
            reference=Reference(ReferenceType.APPOINTMENT, str(appointment.pk)),
            idempotency_key=f"course:appointment:{appointment.pk}",
            now=now,
        )
    except CourseCardError as exc:
        record_event(
            customer.organization,
            actor=actor,
            action="course_card.refused",
            target=customer,
            appointment=appointment.pk,
            reason=str(exc.message)[:200],
        )
        return None


def apply_order_lines(organization, lines, *, now=None) -> Applied:
    """Course cards from imported order lines (each once, by its id):

    - a paid line (amount > 0) of an item flagged as a course-card product sells a card
      of the product's sessions × the quantity, for the line's amount, valid the
      product's days from the order date, numbered after the order (order-line);
    - a line paid 0 (划卡) of an item a card of hers covers uses one session per unit of
      quantity, of the card valid on the order date; on a day when an appointment of
      hers already used a session of that item, the line is that same visit.
    """
    result = Applied()
    products = {
        p.item_id: p
        for p in CourseCardProduct.objects.filter(organization=organization).select_related(
            "covers_item"
        )
    }
    related = ("order__store", "item", "customer__organization")
    # Sales first, so that the sessions bought in this file are there for its visits.
    sales = lines.filter(item_id__in=list(products), amount__gt=0)
    for line in sales.select_related(*related).order_by("order_date", "pk"):
        product = products[line.item_id]
        start, _end = day_bounds(organization, line.order_date)
        units = max(int(line.quantity or 1), 1)
        sell_course_card(
            line.customer,
            actor=None,
            sessions=min(product.sessions * units, MAX_SESSIONS),
            price=line.amount,
            expires_on=line.order_date + timedelta(days=product.valid_days),
            item=product.covers_item,
            item_category="" if product.covers_item_id else product.covers_category,
            card_number=_free_card_number(
                organization.pk, f"{line.order.order_no[:50]}-{line.line_no}"
            ),
            store=line.order.store,
            reference=Reference(ReferenceType.ORDER_LINE, str(line.pk)),
            idempotency_key=f"course:sell:{line.pk}",
            now=start,
        )
        result.sold += 1
    holders = Account.objects.filter(organization=organization, kind=COURSE_CARD).values(
        "customer_id"
    )
    visits = lines.filter(item__isnull=False, amount=0, customer_id__in=holders).exclude(
        item_id__in=list(products)
    )
    for line in visits.select_related(*related).order_by("order_date", "pk"):
        start, end = day_bounds(organization, line.order_date)
        moment = start + timedelta(hours=12)  # the visit's day; the hour is unknown
        units = max(int(line.quantity or 1), 1)
        reference = Reference(ReferenceType.ORDER_LINE, str(line.pk))
        if _same_day_use(line.customer_id, line.item, start, end, ReferenceType.APPOINTMENT):
            continue
        for unit in range(units):
            try:
                consume_session(
                    line.customer,
                    actor=None,
                    item=line.item,
                    reference=reference,
                    idempotency_key=f"course:line:{line.pk}" + (f":{unit + 1}" if unit else ""),
                    now=moment,
                )
                result.consumed += 1
            except CourseCardError as exc:
                if isinstance(exc, CardExpired):
                    result.refused.append(str(exc.message))
                    record_event(
                        organization,
                        actor=None,
                        action="course_card.refused",
                        target=line.customer,
                        order_line=line.pk,
                        reason=str(exc.message)[:200],
                    )
                break
    return result


def apply_new_order_lines(organization, *, after_id: int | None, now=None) -> Applied:
    """`apply_order_lines` for the organization's lines added since `after_id` (an
    import's new lines: a re-imported file adds none, so it changes no card)."""
    lines = OrderLine.objects.filter(organization=organization)
    if after_id is not None:
        lines = lines.filter(pk__gt=after_id)
    return apply_order_lines(organization, lines, now=now)


def transfer_sessions(
    card: Account,
    to_customer: Customer,
    *,
    sessions,
    actor: Staff | None,
    reason: str,
    now: datetime | None = None,
) -> tuple[Account, Entry, Entry]:
    """Move `sessions` remaining sessions of `card` to a new card of `to_customer` (same
    item, value per session and expiry): seed 004's transfer agreement. Both cards'
    histories show the pair of entries; the transfer is audited with its reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise CourseCardError(_("Give the reason for the transfer."))
    if len(reason) > 200:
        raise CourseCardError(_("The reason is longer than 200 characters."))
    if card.kind != COURSE_CARD:
        raise CourseCardError(_("This is not one of her course cards."))
    if to_customer.organization_id != card.organization_id:
        raise CourseCardError(_("This customer belongs to another organization."))
    if to_customer.pk == card.customer_id:
        raise CourseCardError(_("Choose another customer to receive the sessions."))
    sessions = _parse_sessions(sessions)
    today = local_date(card.customer.organization, now)
    if is_expired(card, today):
        raise CardExpired(_expired_message(card))
    if card.status != AccountStatus.ACTIVE:
        raise CourseCardError(_("This account is closed."))
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=card.pk)
        if sessions > locked.balance:
            raise CourseCardError(
                _("Only %(left)s sessions are left on this card.") % {"left": int(locked.balance)}
            )
        new_card = open_account(
            to_customer,
            COURSE_CARD,
            actor=actor,
            now=now,
            card_number=_free_card_number(card.organization_id, f"{card.card_number[:58]}-Z"),
            item=card.item,
            item_category=card.item_category,
            unit_value=card.unit_value,
            expires_on=card.expires_on,
            store=card.store,
        )
        out, into = transfer(locked, new_card, sessions, actor=actor, reason=reason, now=now)
        card.balance = locked.balance - sessions
        record_event(
            card.customer.organization,
            actor=actor,
            action="course_card.transfer",
            target=card.customer,
            card=card.pk,
            to_customer=to_customer.pk,
            to_card=new_card.pk,
            sessions=sessions,
            reason=reason,
        )
    new_card.refresh_from_db()
    return new_card, out, into


@dataclass(frozen=True)
class CardSummary:
    """One card as the queue, the customer page and the API show it."""

    id: int
    card_number: str
    label: str
    category: str
    sessions_left: int
    unit_value: Decimal | None
    expires_on: date | None
    expired: bool
    item_id: int | None = None
    item_price: Decimal | None = None  # the covered item's list price, when known

    @property
    def remaining_value(self) -> Decimal:
        return round_money((self.unit_value or 0) * self.sessions_left)

    def line(self) -> str:
        """疗程卡: 光子嫩肤 剩 3 次, 2027-03-01 到期"""
        if self.expires_on is None:
            return _("Course card: %(item)s, %(n)s sessions left, no expiry") % {
                "item": self.label,
                "n": self.sessions_left,
            }
        text = (
            _("Course card: %(item)s, %(n)s sessions left, expired on %(date)s")
            if self.expired
            else _("Course card: %(item)s, %(n)s sessions left, expires on %(date)s")
        )
        return text % {
            "item": self.label,
            "n": self.sessions_left,
            "date": self.expires_on.isoformat(),
        }


# What summarize() reads of a card and its item.
SUMMARY_FIELDS = (
    *("customer_id", "card_number", "item_id", "item_category", "balance", "unit_value"),
    *("expires_on", "item__name", "item__category", "item__list_price"),
)


def summarize(card: Account, on: date) -> CardSummary:
    return CardSummary(
        id=card.pk,
        card_number=card.card_number,
        label=card_label(card),
        category=card_category(card),
        sessions_left=int(card.balance),
        unit_value=card.unit_value,
        expires_on=card.expires_on,
        expired=is_expired(card, on),
        item_id=card.item_id,
        item_price=card.item.list_price if card.item_id else None,
    )


def open_cards_of(customer_ids, on: date) -> dict[int, list[CardSummary]]:
    """Each customer's cards with sessions left, the first to expire first (one query)."""
    cards: dict[int, list[CardSummary]] = {}
    for card in (
        Account.objects.filter(
            customer_id__in=list(customer_ids),
            kind=COURSE_CARD,
            status=AccountStatus.ACTIVE,
            balance__gt=0,
        )
        .select_related("item")
        .only(*SUMMARY_FIELDS)  # the queue asks for dozens of customers' cards
        .order_by("customer_id", "expires_on", "pk")
    ):
        cards.setdefault(card.customer_id, []).append(summarize(card, on))
    for summaries in cards.values():
        summaries.sort(key=lambda s: (s.expired, s.expires_on is None, s.expires_on or on, s.id))
    return cards


@dataclass(frozen=True)
class HistoryRow:
    entry: Entry
    other_customer: Customer | None  # the other side of a transfer, when visible


def card_history(card: Account, visible_customers) -> list[HistoryRow]:
    """The card's entries, oldest first; a transfer names the other customer when the
    viewer may see her (`visible_customers`, a queryset)."""
    entries = list(card.entries.select_related("actor").order_by("created_at", "pk"))
    partners: dict[int, int] = {}  # entry id → other account id
    for e in entries:
        if (
            e.kind == EntryKind.TRANSFER
            and e.reference_type == ReferenceType.ACCOUNT
            and e.reference_id.isdigit()
        ):
            partners[e.pk] = int(e.reference_id)
    owners = dict(
        Account.objects.filter(pk__in=set(partners.values())).values_list("pk", "customer_id")
    )
    shown = {c.pk: c for c in visible_customers.filter(pk__in=set(owners.values()))}
    return [HistoryRow(e, shown.get(owners.get(partners.get(e.pk, 0), 0))) for e in entries]
