"""The membership API: a customer's card, status history and points (read only).
Scoped like the pages: 404 outside the user's scope."""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from ninja import Field, Router, Schema

from revisit.api.schemas import ID, Message
from revisit.core.access import get_customer_or_404
from revisit.wallet.membership import membership_summary

router = Router(tags=["wallet"])


class MembershipChangeOut(Schema):
    at: datetime
    from_status: str
    to_status: str
    reason: str


class MembershipOut(Schema):
    card_number: str = Field(description="empty: no card yet")
    status: str = Field(description="temporary | formal | suspended | cancelled | empty")
    status_label: str
    formal_on: date | None
    card_ready_on: date | None = Field(description="the day the formal card is at the store")
    handover: str = Field(description="picked_up | mailed | empty (not yet)")
    points: int = Field(description="points balance")
    accumulated: int = Field(description="points accumulated towards the formal card")
    threshold: int
    to_formal: int = Field(description="points still missing to become a formal member")
    cashback_points: int
    cashback_yuan: Decimal
    history: list[MembershipChangeOut]


@router.get(
    "/customers/{customer_id}/membership",
    response={200: MembershipOut, 404: Message},
)
def get_membership(request, customer_id: ID):
    """The customer's membership card, its history and her points; 404 when she has
    none and the points program is off."""
    customer = get_customer_or_404(request.auth, pk=customer_id)
    summary = membership_summary(customer)
    if summary is None:
        raise Http404
    return summary
