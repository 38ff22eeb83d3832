"""The message campaigns (群发) API: list and read (scoped like the pages), create,
preview, test on oneself, submit, approve or reject, cancel; the same services as the
pages."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from revisit.api.schemas import ID, Day, Message, Pages
from revisit.messaging.campaign_models import MessageCampaign
from revisit.messaging.campaign_sends import (
    approve_campaign,
    campaign_report,
    cancel_campaign,
    create_campaign,
    get_campaign_or_404,
    preview_campaign,
    reject_campaign,
    submit_campaign,
    test_send,
    visible_campaigns,
)
from revisit.messaging.models import MessageTemplate
from revisit.messaging.rendering import TemplateError
from revisit.messaging.services import MessagingError
from revisit.web.permissions import MESSAGE_SEND_ROLES, MESSAGE_VIEW_ROLES, has_any

router = Router(tags=["message campaigns"])
Note = Annotated[str, Field(max_length=200)]


class FiltersIn(Schema):
    segment: Literal["", "A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"] = ""
    tier: Annotated[str, Field(max_length=10)] = ""
    channel: Annotated[str, Field(max_length=20)] = ""
    tag: ID | None = None
    store: ID | None = None
    owner: ID | None = None
    visited_after: Day | None = None
    visited_before: Day | None = None
    membership: Literal["", "member", "non_member"] = ""


class CampaignIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    template_id: ID
    filters: FiltersIn = FiltersIn()
    date: Annotated[str, Field(max_length=20)] = ""


class CampaignOut(Schema):
    id: int
    name: str
    template_id: int
    store_id: int | None
    filters: dict
    status: str
    status_label: str
    audience_count: int
    recipient_count: int
    suppressed: dict
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    queued_at: datetime | None
    test_sent_at: datetime | None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_created_by(obj):
        return str(obj.created_by)

    @staticmethod
    def resolve_decided_by(obj):
        return str(obj.decided_by) if obj.decided_by_id else None


class ReportOut(Schema):
    messages: int
    queued: int
    sent: int
    delivered: int
    failed: int
    not_sent: int
    suppressed: dict
    opted_out: int
    visitors: int
    orders: int
    amount: float
    window_start: date | None
    window_end: date | None


class PreviewOut(Schema):
    total: int
    recipients: int
    postponed: int
    suppressed: dict
    unrenderable: int


class TestIn(Schema):
    to: Annotated[str, Field(max_length=60)] = ""


class DecisionIn(Schema):
    note: Note = ""


def _require(request, roles):
    if not has_any(request.auth, roles):
        raise PermissionDenied


ERRORS = {400: Message, 403: Message, 404: Message}


@router.get("/message-campaigns", response={200: list[CampaignOut], 403: Message})
@paginate(Pages)
def list_campaigns(
    request, status: Literal["", "draft", "pending", "rejected", "queued", "cancelled"] = ""
):
    _require(request, MESSAGE_VIEW_ROLES)
    rows = visible_campaigns(request.auth).select_related("created_by", "decided_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


@router.get("/message-campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS})
def read_campaign(request, campaign_id: ID):
    _require(request, MESSAGE_VIEW_ROLES)
    return get_campaign_or_404(request.auth, pk=campaign_id)


@router.get("/message-campaigns/{campaign_id}/report", response={200: ReportOut, **ERRORS})
def read_report(request, campaign_id: ID):
    _require(request, MESSAGE_VIEW_ROLES)
    report = campaign_report(get_campaign_or_404(request.auth, pk=campaign_id))
    window = report.pop("window") or (None, None)
    report["suppressed"] = dict(report["suppressed"])
    return {**report, "window_start": window[0], "window_end": window[1]}


@router.post(
    "/message-campaigns",
    response={201: CampaignOut, **ERRORS},
    summary="Create a draft group send (counted, not sent)",
)
def create(request, body: CampaignIn):
    _require(request, MESSAGE_SEND_ROLES)
    staff = request.auth
    template = MessageTemplate.objects.filter(
        organization_id=staff.organization_id, pk=body.template_id
    ).first()
    if template is None:
        return Status(404, {"detail": "template not found"})
    try:
        campaign = create_campaign(
            staff.organization,
            actor=staff,
            name=body.name,
            template=template,
            filters=body.filters.dict(),
            date_value=body.date,
        )
    except (MessagingError, TemplateError) as error:
        return Status(400, {"detail": str(error)})
    return Status(201, get_campaign_or_404(staff, pk=campaign.pk))


def _run(request, campaign_id, action):
    _require(request, MESSAGE_SEND_ROLES)
    campaign = get_campaign_or_404(request.auth, pk=campaign_id)
    try:
        result = action(campaign)
    except (MessagingError, TemplateError) as error:
        return Status(400, {"detail": str(error)})
    return result if result is not None else get_campaign_or_404(request.auth, pk=campaign.pk)


@router.post("/message-campaigns/{campaign_id}/preview", response={200: PreviewOut, **ERRORS})
def preview(request, campaign_id: ID):
    def run(campaign):
        batch = preview_campaign(campaign)
        return {
            "total": batch.total,
            "recipients": batch.queued,
            "postponed": batch.postponed,
            "suppressed": batch.suppressed,
            "unrenderable": batch.unrenderable,
        }

    return _run(request, campaign_id, run)


@router.post("/message-campaigns/{campaign_id}/test", response={200: CampaignOut, **ERRORS})
def test(request, campaign_id: ID, body: TestIn):
    return _run(
        request, campaign_id, lambda c: test_send(c, actor=request.auth, to=body.to) and None
    )


@router.post("/message-campaigns/{campaign_id}/submit", response={200: CampaignOut, **ERRORS})
def submit(request, campaign_id: ID):
    return _run(request, campaign_id, lambda c: submit_campaign(c, actor=request.auth) and None)


@router.post("/message-campaigns/{campaign_id}/approve", response={200: CampaignOut, **ERRORS})
def approve(request, campaign_id: ID, body: DecisionIn):
    return _run(
        request,
        campaign_id,
        lambda c: approve_campaign(c, actor=request.auth, note=body.note) and None,
    )


@router.post("/message-campaigns/{campaign_id}/reject", response={200: CampaignOut, **ERRORS})
def reject(request, campaign_id: ID, body: DecisionIn):
    return _run(
        request,
        campaign_id,
        lambda c: reject_campaign(c, actor=request.auth, note=body.note) and None,
    )


@router.post("/message-campaigns/{campaign_id}/cancel", response={200: CampaignOut, **ERRORS})
def cancel(request, campaign_id: ID):
    return _run(request, campaign_id, lambda c: cancel_campaign(c, actor=request.auth) and None)


__all__ = ["MessageCampaign", "router"]
