"""The referral channel's API: register a referred person, record her arrival (which
decides the attribution once), read leads and their rewards, and read the KPI and
statistics tables of a month (the tables the pages show and download). Scoped like the
pages (404 outside the scope), phones masked; a refused action answers 400 with the
reason in the user's language."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from revisit.api.schemas import ID, Message, Pages
from revisit.core.access import get_customer_or_404, get_lead_or_404, visible_leads
from revisit.core.clock import local_date
from revisit.customers.models import Channel
from revisit.customers.phones import mask_phone
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.kpis import kpi_staff, month_of
from revisit.referrals.leads import lead_stores, register_lead
from revisit.referrals.policy import REGISTER_ROLES, ReferralError
from revisit.referrals.tables import report_table
from revisit.web.params import FIRST_DAY, LAST_DAY, BadParameter, parse_month
from revisit.web.permissions import REFERRAL_ROLES, has_any

router = Router(tags=["referrals"])
Text = Annotated[str, Field(max_length=200)]


class RewardOut(Schema):
    side: str
    kind: str
    amount: Decimal
    status: str


class LeadOut(Schema):
    id: int
    name: str
    mobile: str
    referrer_id: int
    customer_id: int | None
    store_id: int
    intention: int
    registered_at: datetime
    arrived_at: datetime | None
    attribution: str
    level: str
    rule: str
    rewards: list[RewardOut]

    @staticmethod
    def resolve_mobile(obj) -> str:
        return mask_phone(obj.mobile) if obj.mobile else ""

    @staticmethod
    def resolve_rewards(obj) -> list[dict]:
        return [
            {"side": r.side, "kind": r.kind, "amount": r.amount, "status": r.status}
            for r in obj.rewards.all()
        ]


class LeadIn(Schema):
    referrer_id: ID
    store_id: ID | None = None
    name: Annotated[str, Field(min_length=1, max_length=100)]
    mobile: Annotated[str, Field(max_length=40)] = ""
    wechat_id: Annotated[str, Field(max_length=64)] = ""
    items: Text = ""
    spending_power: Annotated[str, Field(max_length=100)] = ""
    expected_arrival: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)] | None = None
    intention: Annotated[int, Field(ge=1, le=3)] = 3
    via_channel: Annotated[str, Field(max_length=20)] = ""


class ArrivalIn(Schema):
    referrer_came: bool = False
    asked_consultant_by_name: bool = False
    came_in_group: bool = False


def _refused(exc: ReferralError):
    return Status(400, {"detail": str(exc.message)})


Month = Annotated[str, Field(max_length=7, description="YYYY-MM; empty: this month")]
KpiTable = Literal["staff", "roles"]
StatTable = Literal[
    "products",
    "tiers",
    "timing",
    "daily",
    "channel",
    "deviation_staff",
    "deviation_groups",
    "deviation_products",
]
Cell = int | Decimal | str | None


class TableOut(Schema):
    """One table as the page downloads it: its column titles and rows, in the caller's
    language (counts as numbers, money as decimals, shares as percentages)."""

    table: str
    month: str
    columns: list[str]
    rows: list[list[Cell]]


def _table(request, table: str, month: str, person_id: int | None = None):
    """The month's `table` as the caller's scope reads it, or 400 for a bad month."""
    viewer = request.auth
    if not has_any(viewer, REFERRAL_ROLES):
        raise PermissionDenied
    today = local_date(viewer.organization)
    try:
        first = parse_month(month, default=today)
    except BadParameter as exc:
        return Status(400, {"detail": str(exc.message)})
    person = None
    if person_id is not None:
        # Someone outside the reader's staff is missing, whether she exists or not.
        person = kpi_staff(viewer).filter(pk=person_id).first()
        if person is None:
            raise Http404
    header, rows = report_table(
        table, viewer, month_of(viewer.organization, first), person=person, as_of=today
    )
    return {
        "table": table,
        "month": f"{first:%Y-%m}",
        "columns": [str(h) for h in header],
        "rows": [
            [c if isinstance(c, int | Decimal) or c is None else str(c) for c in row]
            for row in rows
        ],
    }


@router.get("/referrals/reports/kpis", response={200: TableOut, 400: Message, 403: Message})
def kpi_report(request, table: KpiTable = "staff", month: Month = ""):
    """The referral KPIs of a month per staff member or per role, against their targets."""
    return _table(request, table, month)


@router.get(
    "/referrals/reports/statistics",
    response={200: TableOut, 400: Message, 403: Message, 404: Message},
)
def statistics_report(
    request, table: StatTable = "products", month: Month = "", staff: ID | None = None
):
    """One statistics table of a month: by product, by referrer tier, time to referral,
    the daily deviation (of one staff member with `staff`), the channel's share and
    rebate usage, or the deviation by staff member, customer group or product."""
    return _table(request, table, month, staff)


@router.get("/referrals", response={200: list[LeadOut], 403: Message})
@paginate(Pages)
def list_leads(request, arrived: bool | None = None):
    """Referred people the caller may see, newest first."""
    if not has_any(request.auth, REFERRAL_ROLES):
        raise PermissionDenied
    leads = visible_leads(request.auth).prefetch_related("rewards")
    if arrived is not None:
        leads = leads.filter(arrived_at__isnull=not arrived)
    return leads.order_by("-registered_at", "-pk")


@router.get("/referrals/{lead_id}", response={200: LeadOut, 404: Message})
def get_lead(request, lead_id: ID):
    return get_lead_or_404(request.auth, pk=lead_id)


@router.post("/referrals", response={201: LeadOut, 400: Message, 403: Message, 404: Message})
def create_lead(request, body: LeadIn):
    """Register a person the customer `referrer_id` recommends (建档)."""
    referrer = get_customer_or_404(request.auth, pk=body.referrer_id)
    if not has_any(request.auth, set(REGISTER_ROLES)):
        raise PermissionDenied
    store = referrer.home_store
    if body.store_id is not None:
        store = lead_stores(request.auth, referrer).filter(pk=body.store_id).first()
    if store is None:
        return Status(400, {"detail": _("Choose one of your stores.")})
    if body.via_channel and body.via_channel not in Channel.values:
        return Status(400, {"detail": _("Choose one of the listed values.")})
    try:
        lead = register_lead(
            referrer,
            actor=request.auth,
            store=store,
            name=body.name,
            mobile=body.mobile,
            wechat_id=body.wechat_id,
            items=body.items,
            spending_power=body.spending_power,
            expected_arrival=body.expected_arrival,
            intention=body.intention,
            via_channel=body.via_channel,
        )
    except ReferralError as exc:
        return _refused(exc)
    return Status(201, lead)


@router.post(
    "/referrals/{lead_id}/arrival",
    response={200: LeadOut, 400: Message, 403: Message, 404: Message},
)
def arrive(request, lead_id: ID, body: ArrivalIn):
    """She arrived: the facts decide the attribution, once."""
    lead = get_lead_or_404(request.auth, pk=lead_id)
    try:
        return record_arrival(
            lead,
            actor=request.auth,
            facts=ArrivalFacts(
                referrer_came=body.referrer_came,
                asked_consultant_by_name=body.asked_consultant_by_name,
                came_in_group=body.came_in_group,
            ),
        )
    except ReferralError as exc:
        return _refused(exc)
