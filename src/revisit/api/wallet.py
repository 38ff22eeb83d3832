"""The wallet's API: a customer's accounts (every kind) and an account's entries; top-up,
spend and refund for the till's roles. Each write needs an idempotency key (the
`Idempotency-Key` header, or `idempotency_key` in the body): the same key again answers
200 with the first result and posts nothing. Scoped like the pages (404 outside the
scope); a refused movement answers 400 with the reason, a malformed amount 422."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status
from ninja.pagination import paginate

from revisit.api.schemas import ID, Message, Pages
from revisit.core.access import (
    get_customer_or_404,
    get_wallet_account_or_404,
    visible_wallet_accounts,
)
from revisit.core.clock import local_date
from revisit.wallet import access
from revisit.wallet.amounts import MAX_AMOUNT
from revisit.wallet.ledger import WalletError
from revisit.wallet.reads import status_label, unit_label
from revisit.wallet.stored_value import refund, spend, top_up
from revisit.web.permissions import has_any

router = Router(tags=["wallet"])
Amount = Annotated[
    Decimal,
    Field(
        gt=0,
        le=MAX_AMOUNT,
        max_digits=9,
        decimal_places=2,
        description="yuan, at most two decimals, at most 1,000,000",
    ),
]
KeyText = Annotated[str, Field(max_length=64)]
KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


class AccountOut(Schema):
    id: int
    customer_id: int
    kind: str
    kind_label: str
    card_number: str
    balance: Decimal
    unit: str
    expires_on: date | None
    status: str
    status_label: str
    holder_may_redeem: bool
    item_id: int | None
    store_id: int | None
    opened_at: datetime

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_unit(obj):
        return unit_label(obj.kind)

    @staticmethod
    def resolve_status_label(obj, context):
        return status_label(obj, local_date(context["request"].auth.organization))


class EntryOut(Schema):
    id: int
    account_id: int
    kind: str
    kind_label: str
    amount: Decimal
    balance_after: Decimal
    reason: str
    created_at: datetime
    actor_id: int | None
    counterpart_id: int | None
    redeemer_id: int | None

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_redeemer_id(obj):
        redemption = getattr(obj, "redemption", None)
        return redemption.redeemer_id if redemption else None


class _Write(Schema):
    reason: str = Field("", max_length=200)
    idempotency_key: KeyText | None = Field(
        None, description="or the Idempotency-Key header; the same key posts once"
    )


class TopUpIn(_Write):
    amount: Amount
    store_id: ID | None = Field(None, description="default: the customer's home store")


class SpendIn(_Write):
    amount: Amount


class RefundIn(_Write):
    amount: Amount | None = Field(None, description="default: all that may be refunded")


class TopUpOut(Schema):
    account_id: int
    entry: EntryOut
    bonus: EntryOut | None
    balance: Decimal
    replayed: bool


class MovementOut(Schema):
    account_id: int
    entry: EntryOut
    balance: Decimal
    replayed: bool


class RefundOut(Schema):
    account_id: int
    entry: EntryOut
    bonus_taken_back: EntryOut | None
    balance: Decimal
    replayed: bool


def _cashier(request):
    if not has_any(request.auth, access.CASHIER_ROLES):
        raise PermissionDenied


def _key(request, header: str | None, body: _Write) -> str:
    key = (header or body.idempotency_key or "").strip()
    if not key:
        raise WalletError(
            _(
                "An Idempotency-Key header (or idempotency_key field) is required: a retry "
                "with the same key posts once."
            )
        )
    if not KEY.match(key):
        raise WalletError(_("The idempotency key is 1 to 64 printable ASCII characters."))
    return f"api:{request.auth.pk}:{key}"


def _move(request, service, target, body, idempotency_key, extra=(), **kwargs):
    """Post one movement through its wallet service and answer: 201 with the movement and
    the new balance (and the result's `extra` fields), 200 when the key replayed an
    earlier one, 400 with the service's message when it refuses."""
    try:
        done = service(
            target,
            body.amount,
            actor=request.auth,
            reason=body.reason,
            idempotency_key=_key(request, idempotency_key, body),
            **kwargs,
        )
    except WalletError as exc:
        return _refused(exc)
    return _posted(done, **{name: getattr(done, name) for name in extra})


def _posted(done, **extra):
    out = {
        "account_id": done.account.pk,
        "entry": done.entry,
        "balance": done.balance,
        "replayed": done.replayed,
        **extra,
    }
    return Status(200 if done.replayed else 201, out)


def _refused(exc: WalletError):
    return Status(400, {"detail": str(exc.message)})


IdempotencyHeader = Header(None, alias="Idempotency-Key", max_length=200)
WRITE_RESPONSES = {400: Message, 403: Message, 404: Message}


@router.get(
    "/customers/{customer_id}/wallet",
    response={200: list[AccountOut], 404: Message},
    summary="Every account of the customer: points, stored value, credit, cards",
)
def customer_accounts(request, customer_id: ID):
    customer = get_customer_or_404(request.auth, pk=customer_id)
    return list(
        visible_wallet_accounts(request.auth)
        .filter(customer=customer)
        .order_by("kind", "opened_at", "pk")
    )


@router.get(
    "/wallet/accounts/{account_id}/entries",
    response={200: list[EntryOut], 404: Message},
    summary="An account's ledger entries, newest first",
)
@paginate(Pages)
def account_entries(request, account_id: ID):
    account = get_wallet_account_or_404(request.auth, pk=account_id)
    return account.entries.select_related("redemption").order_by("-created_at", "-pk")


@router.post(
    "/customers/{customer_id}/wallet/top-ups",
    response={200: TopUpOut, 201: TopUpOut, **WRITE_RESPONSES},
    summary="Top up stored value; the organization's bonus (充N送M) is posted with it",
)
def create_top_up(
    request, customer_id: ID, body: TopUpIn, idempotency_key: str | None = IdempotencyHeader
):
    _cashier(request)
    staff = request.auth
    customer = access.get_cashier_customer_or_404(staff, pk=customer_id)
    stores = access.cashier_stores(staff)
    if body.store_id is not None:
        store = stores.filter(pk=body.store_id).first()
        if store is None:
            return Status(404, {"detail": _("Not found.")})
    else:
        store = stores.filter(pk=customer.home_store_id).first()
    return _move(
        request,
        top_up,
        customer,
        body,
        idempotency_key,
        ("bonus",),
        store=store,
    )


@router.post(
    "/wallet/accounts/{account_id}/spends",
    response={200: MovementOut, 201: MovementOut, **WRITE_RESPONSES},
    summary="Spend from stored value or credit",
)
def create_spend(
    request, account_id: ID, body: SpendIn, idempotency_key: str | None = IdempotencyHeader
):
    _cashier(request)
    account = access.get_cashier_account_or_404(request.auth, pk=account_id)
    return _move(request, spend, account, body, idempotency_key)


@router.post(
    "/wallet/entries/{entry_id}/refunds",
    response={200: RefundOut, 201: RefundOut, **WRITE_RESPONSES},
    summary="Refund a top-up (its bonus taken back first) or a spend",
)
def create_refund(
    request, entry_id: ID, body: RefundIn, idempotency_key: str | None = IdempotencyHeader
):
    _cashier(request)
    entry = access.get_cashier_entry_or_404(request.auth, pk=entry_id)
    return _move(
        request,
        refund,
        entry,
        body,
        idempotency_key,
        ("bonus_taken_back",),
    )


__all__ = ["router"]
