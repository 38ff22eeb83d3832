"""What the API returns. Phones only ever leave masked; a full number needs the audited
reveal endpoint."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from revisit.core.access import may_reveal_phones, may_see_health
from revisit.core.log_filters import mask_phones
from revisit.customers.emails import EMAIL_MAX, mask_email
from revisit.customers.models import MarketingConsent
from revisit.customers.phones import mask_phone
from revisit.web.params import FIRST_DAY, LAST_DAY

# Database ids are 64-bit; a larger number cannot name anything and must not reach SQL.
MAX_ID = 2**63 - 1
MAX_OFFSET = 10_000_000
# The input types every router shares: a row id as the database can hold it, and a day in
# the same bounds as the pages' (revisit.web.params; outside them, a typing mistake).
ID = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class Pages(LimitOffsetPagination):
    """limit (1–200, default 50) and offset, both bounded."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=200)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ConsentOut(Schema):
    channel: str
    granted: bool
    recorded_at: datetime
    source: str


class ConsentIn(Schema):
    channel: MarketingConsent.Channel = Field(..., description="call, sms, wechat, email")
    granted: bool
    source: str = Field("", max_length=100, description="Where she said it (default: API)")


def _reads_health(context) -> bool:
    """Whether the caller reads health data (asked once per request, not once per row)."""
    request = context["request"]
    if not hasattr(request, "_revisit_reads_health"):
        request._revisit_reads_health = may_see_health(request.auth)
    return request._revisit_reads_health


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
    mobile2_masked: str = Field("", description="The second contact, masked")
    wechat_id: str = ""
    email_masked: str = Field(
        "", description="z***@example.com; the full address with the phone reveal"
    )
    wechat_openid_recorded: bool = Field(False, description="Whether WeChat messages can reach her")
    address: str = ""
    occupation: str = ""
    marital_status: str = ""
    referrer_id: int | None = None
    care_focus: str = ""
    satisfaction: str = ""
    potential_needs: str = ""
    psychology_type_id: int | None = None
    risk_flags: list[str] = []
    health_recorded: bool = Field(
        False, description="Whether any health data is kept (readable or not)"
    )
    health_notes: str | None = Field(
        None, description="null for a role that may not read health data"
    )
    allergies: str | None = Field(None, description="null for a role that may not read it")
    medical_history: str | None = Field(None, description="null for a role that may not read it")

    @staticmethod
    def resolve_mobile_masked(obj) -> str:
        return mask_phone(obj.mobile)

    @staticmethod
    def resolve_mobile2_masked(obj) -> str:
        return mask_phone(obj.mobile2)

    @staticmethod
    def resolve_email_masked(obj) -> str:
        return mask_email(obj.email)

    @staticmethod
    def resolve_wechat_openid_recorded(obj) -> bool:
        return bool(obj.wechat_openid)

    @staticmethod
    def resolve_health_recorded(obj) -> bool:
        return bool(obj.health_notes or obj.allergies or obj.medical_history)

    @staticmethod
    def resolve_health_notes(obj, context) -> str | None:
        return obj.health_notes if _reads_health(context) else None

    @staticmethod
    def resolve_allergies(obj, context) -> str | None:
        return obj.allergies if _reads_health(context) else None

    @staticmethod
    def resolve_medical_history(obj, context) -> str | None:
        return obj.medical_history if _reads_health(context) else None

    @staticmethod
    def resolve_consents(obj) -> list:
        return sorted(obj.consents.all(), key=lambda c: c.channel)


class CardFields(Schema):
    """The card's fields; on an edit, only the fields sent are changed."""

    name: str = Field(None, max_length=100)
    gender: str = Field(None, max_length=1, description="F, M or U")
    birthday: date | None = None
    birthday_is_lunar: bool = False
    mobile: str = Field(None, max_length=40, description="Mainland mobile, any usual form")
    mobile2: str = Field("", max_length=40)
    wechat_id: str = Field("", max_length=64)
    email: str = Field(
        "", max_length=EMAIL_MAX, description="An email address (for email messages)"
    )
    wechat_openid: str = Field(
        "", max_length=64, description="Service account openid or WeCom external_userid"
    )
    address: str = Field("", max_length=200)
    occupation: str = Field("", max_length=64)
    marital_status: str = Field("", max_length=10, description="single, married, other")
    channel: str = Field(
        "",
        max_length=20,
        description="How she heard of us (referral, passing_by, newspaper, tv, online …); "
        "once set, only an administrator's correction changes it",
    )
    referrer_id: int | None = Field(None, ge=1, le=MAX_ID)
    first_visit: date | None = None
    home_store_id: int | None = Field(None, ge=1, le=MAX_ID)
    care_focus: str = Field("", max_length=2000)
    satisfaction: str = Field("", max_length=20)
    potential_needs: str = Field("", max_length=2000)
    psychology_type_id: int | None = Field(None, ge=1, le=MAX_ID)
    risk_flags: list[str] = Field([], max_length=10)
    health_notes: str = Field("", max_length=2000)
    allergies: str = Field("", max_length=2000)
    medical_history: str = Field("", max_length=2000)


class CardIn(CardFields):
    name: str = Field(..., max_length=100)
    gender: str = Field("F", max_length=1, description="F, M or U")
    mobile: str = Field(..., max_length=40, description="Mainland mobile, any usual form")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    tags: list[str] = Field([], max_length=20)


class CorrectionIn(Schema):
    channel: str = Field("", max_length=20)
    referrer_id: int | None = Field(None, ge=1, le=MAX_ID)
    reason: str = Field(..., min_length=1, max_length=200)


class DuplicateOut(Schema):
    detail: str
    existing_id: int | None = Field(
        None, description="The existing card, when the caller may see it"
    )


class CardChangeOut(Schema):
    changed_at: datetime
    actor_id: int | None
    kind: str
    field: str
    before: str
    after: str
    reason: str


class PhoneOut(Schema):
    mobile: str
    email: str = Field("", description="Her email address, revealed with the number")


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
