"""Course cards (疗程卡) in the API: a customer's cards with sessions left and expiry, and
using a session with an idempotency key (a retried request uses one session). Scoped like
the pages: a customer or card outside the caller's scope is 404."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from revisit.api.schemas import ID, Message
from revisit.core.access import get_customer_or_404
from revisit.core.clock import local_date
from revisit.sales.models import Item
from revisit.wallet.course_cards import (
    CONSUME_ROLES,
    consume_session,
    course_cards,
    summarize,
)
from revisit.wallet.ledger import Reference, WalletError
from revisit.wallet.models import Account, AccountKind, ReferenceType
from revisit.web.permissions import has_any

router = Router(tags=["course cards"])


class CourseCardOut(Schema):
    id: int
    card_number: str
    item: str
    item_id: int | None
    item_category: str
    sessions_left: int
    value_per_session: Decimal | None
    expires_on: date | None
    expired: bool
    summary: str


class ConsumeIn(Schema):
    idempotency_key: str = Field(
        ...,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Any unique text of yours: the same key posts once (retries are safe)",
    )
    card_id: ID | None = Field(
        None, description="The card to use; else the one covering item_id that expires first"
    )
    item_id: ID | None = None
    note: str = Field("", max_length=200)


class ConsumeOut(Schema):
    entry_id: int
    card_id: int
    sessions_left: int
    summary: str


def _out(card, today) -> dict:
    s = summarize(card, today)
    return {
        "id": card.pk,
        "card_number": card.card_number,
        "item": s.label,
        "item_id": card.item_id,
        "item_category": s.category,
        "sessions_left": s.sessions_left,
        "value_per_session": card.unit_value,
        "expires_on": card.expires_on,
        "expired": s.expired,
        "summary": s.line(),
    }


@router.get(
    "/customers/{customer_id}/course-cards",
    response={200: list[CourseCardOut], 404: Message},
    summary="The customer's course cards: sessions left and expiry",
)
def list_course_cards(request, customer_id: ID):
    customer = get_customer_or_404(request.auth, pk=customer_id)
    today = local_date(request.auth.organization)
    return [_out(card, today) for card in course_cards(customer)]


@router.post(
    "/customers/{customer_id}/course-cards/consume",
    response={200: ConsumeOut, 400: Message, 403: Message, 404: Message},
    summary="Use one session (idempotent by key); an expired card is refused",
)
def consume(request, customer_id: ID, body: ConsumeIn):
    staff = request.auth
    customer = get_customer_or_404(staff, pk=customer_id)
    if not has_any(staff, CONSUME_ROLES):
        raise PermissionDenied
    card = item = None
    if body.card_id is not None:
        card = (
            Account.objects.filter(customer=customer, kind=AccountKind.COURSE_CARD, pk=body.card_id)
            .select_related("item")
            .first()
        )
        if card is None:
            return Status(404, {"detail": _("Not found.")})
    if body.item_id is not None:
        item = Item.objects.filter(organization_id=staff.organization_id, pk=body.item_id).first()
        if item is None:
            return Status(400, {"detail": _("This item is not in the organization's catalog.")})
    if card is None and item is None:
        return Status(400, {"detail": _("Name the card (card_id) or the item (item_id).")})
    try:
        entry = consume_session(
            customer,
            actor=staff,
            item=item,
            card=card,
            reference=Reference(ReferenceType.MANUAL),
            idempotency_key=f"api:{body.idempotency_key}",
            reason=body.note.strip(),
        )
    except WalletError as exc:
        return Status(400, {"detail": str(exc.message)})
    used = entry.account
    used.refresh_from_db()
    return {
        "entry_id": entry.pk,
        "card_id": used.pk,
        "sessions_left": int(used.balance),
        "summary": summarize(used, local_date(staff.organization)).line(),
    }
