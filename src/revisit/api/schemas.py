"""What the API returns. Phones only ever leave masked; a full number needs the audited
reveal endpoint."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from revisit.core.access import may_reveal_phones
from revisit.core.log_filters import mask_phones
from revisit.customers.models import MarketingConsent
from revisit.customers.phones import mask_phone

MAX_ID = 2**63 - 1


class ConsentOut(Schema):
    channel: str
    granted: bool
    recorded_at: datetime
    source: str


class ConsentIn(Schema):
    channel: MarketingConsent.Channel = Field(..., description="call, sms, wechat, email")
    granted: bool
    source: str = Field("", max_length=100, description="Where she said it (default: API)")


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    gender: str
    birthday: date | None
    mobile_masked: str = Field(..., description="138****5678")
    phone_status: str
    channel: str
    first_visit: date | None
    last_visit: date | None
    owner_id: int | None
    home_store_id: int | None
    tier: str
    is_blacklisted: bool
    consents: list[ConsentOut]

    @staticmethod
    def resolve_mobile_masked(obj) -> str:
        return mask_phone(obj.mobile)

    @staticmethod
    def resolve_consents(obj) -> list:
        return sorted(obj.consents.all(), key=lambda c: c.channel)


class PhoneOut(Schema):
    mobile: str


class OrderLineOut(Schema):
    line_no: int
    item_id: int | None
    quantity: int
    amount: Decimal
    practitioner_id: int | None
    is_promo: bool


class OrderOut(Schema):
    id: int
    order_no: str
    customer_id: int
    store_id: int | None
    order_date: date
    consultant_id: int | None
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class InventoryOut(Schema):
    id: int
    as_of: date
    status: str
    customer_count: int
    graded_count: int
    thresholds: dict
    config: dict
    created_at: datetime


class SegmentRow(Schema):
    segment: str
    label: str
    count: int
    share: float


class InventoryDetail(InventoryOut):
    segments: list[SegmentRow]


class GradeOut(Schema):
    customer_id: int
    segment: str
    tier: str
    recency_days: int | None
    frequency: int
    monetary: Decimal
    score: float | None
    band: str


class CallTaskOut(Schema):
    id: int
    customer_id: int
    due_date: date
    status: str
    source: str
    segment: str
    strategy_id: int | None
    campaign_id: int | None


class FollowUpIn(Schema):
    outcome: str = Field(..., description="valid_1 … valid_4, invalid_1, invalid_2")
    channel: str = "call"
    intent: int | None = Field(None, ge=1, le=3)
    decline_reason: str = Field("", max_length=20)
    note: str = Field("", max_length=1000)
    appointment_at: datetime | None = None
    event_on: date | None = None
    next_campaign_on: date | None = None
    opt_out_channels: list[MarketingConsent.Channel] = Field(
        [], description="Channels she asked not to be marketed on again (call, sms, …)"
    )


class FollowUpOut(Schema):
    id: int
    customer_id: int
    task_id: int | None
    actor_id: int | None
    channel: str
    outcome: str
    intent: int | None
    note: str
    next_contact_on: date | None
    contacted_at: datetime

    @staticmethod
    def resolve_note(obj, context) -> str:
        # Numbers written into a note are masked for roles that may not see numbers.
        staff = context["request"].auth
        return obj.note if may_reveal_phones(staff) else mask_phones(obj.note)


class Message(Schema):
    detail: str
