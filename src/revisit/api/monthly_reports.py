"""The monthly revisit report API (回访情况月报表): read a store's month (figures,
suggestions, summary, plan, review) and take its steps, scoped like the pages (404
outside the stores and regions one may see)."""

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status

from revisit.api.schemas import ID, Message
from revisit.core.clock import local_date
from revisit.reports import monthly
from revisit.reports.models import SUGGESTION_MAX, TEXT_MAX, RegionSummary
from revisit.web.permissions import MONTHLY_REPORT_ROLES, has_any

router = Router(tags=["monthly reports"])
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM")]
ERRORS = {400: Message, 403: Message, 404: Message}


class SuggestionOut(Schema):
    author: str
    text: str
    created_at: datetime


class ReportOut(Schema):
    store_id: int
    month: date
    status: str
    status_label: str
    due: date
    figures: dict
    summary: str
    plan: str
    suggestions: list[SuggestionOut]
    review_comment: str
    reviewed_by: str | None
    submitted_at: datetime | None


class SummaryOut(Schema):
    region_id: int
    month: date
    due: date
    submitted: bool
    summary: str
    figures: dict
    submitted_by: str | None


class TextIn(Schema):
    text: Annotated[str, Field(max_length=SUGGESTION_MAX)]


class PlanIn(Schema):
    summary: Annotated[str, Field(max_length=TEXT_MAX)] = ""
    plan: Annotated[str, Field(max_length=TEXT_MAX)] = ""


class SummaryIn(Schema):
    text: Annotated[str, Field(max_length=TEXT_MAX)]


class CommentIn(Schema):
    comment: Annotated[str, Field(max_length=TEXT_MAX)]


def _store_month(request, store_id, month):
    if not has_any(request.auth, MONTHLY_REPORT_ROLES):
        raise PermissionDenied
    store = monthly.get_report_store_or_404(request.auth, store_id)
    return store, monthly.parse_month(month, default=local_date(store.organization))


def _out(store, month):
    from revisit.reports.models import MonthlyFollowupReport

    report = monthly.report_of(store, month)
    status = report.status if report else MonthlyFollowupReport.Status.DRAFT
    return {
        "store_id": store.pk,
        "month": month,
        "status": status,
        "status_label": str(MonthlyFollowupReport.Status(status).label),
        "due": monthly.due_dates(month)[0],
        "figures": monthly.figures_of(store, month, report),
        "summary": report.summary if report else "",
        "plan": report.plan if report else "",
        "suggestions": [
            {"author": str(s.author), "text": s.text, "created_at": s.created_at}
            for s in (report.suggestions.select_related("author") if report else [])
        ],
        "review_comment": report.review_comment if report else "",
        "reviewed_by": str(report.reviewed_by) if report and report.reviewed_by_id else None,
        "submitted_at": report.submitted_at if report else None,
    }


def _step(request, store_id, month, action):
    try:
        store, month = _store_month(request, store_id, month)
        action(store, month)
    except monthly.ReportError as error:
        return Status(400, {"detail": str(error)})
    return _out(store, month)


@router.get("/monthly-reports/{store_id}/{month}", response={200: ReportOut, **ERRORS})
def read_report(request, store_id: ID, month: Month):
    try:
        store, month = _store_month(request, store_id, month)
    except monthly.ReportError as error:
        return Status(400, {"detail": str(error)})
    return _out(store, month)


@router.post("/monthly-reports/{store_id}/{month}/suggestions", response={200: ReportOut, **ERRORS})
def suggest(request, store_id: ID, month: Month, body: TextIn):
    return _step(
        request,
        store_id,
        month,
        lambda s, m: monthly.suggest_plan(s, m, actor=request.auth, text=body.text),
    )


@router.post("/monthly-reports/{store_id}/{month}/plan", response={200: ReportOut, **ERRORS})
def plan(request, store_id: ID, month: Month, body: PlanIn):
    return _step(
        request,
        store_id,
        month,
        lambda s, m: monthly.set_plan(
            s, m, actor=request.auth, summary=body.summary, plan=body.plan
        ),
    )


@router.post("/monthly-reports/{store_id}/{month}/submit", response={200: ReportOut, **ERRORS})
def submit(request, store_id: ID, month: Month):
    return _step(
        request, store_id, month, lambda s, m: monthly.submit_report(s, m, actor=request.auth)
    )


@router.post("/monthly-reports/{store_id}/{month}/review", response={200: ReportOut, **ERRORS})
def review(request, store_id: ID, month: Month, body: CommentIn):
    return _step(
        request,
        store_id,
        month,
        lambda s, m: monthly.review_report(s, m, actor=request.auth, comment=body.comment),
    )


def _summary_out(region, month):
    done = RegionSummary.objects.filter(region=region, month=month).first()
    figures = (
        done.figures
        if done
        else monthly.region_figures(
            monthly.region_stores(region), month, monthly.region_reports(region, month)
        )
    )
    return {
        "region_id": region.pk,
        "month": month,
        "due": monthly.due_dates(month)[1],
        "submitted": done is not None,
        "summary": done.summary if done else "",
        "figures": figures,
        "submitted_by": str(done.submitted_by) if done and done.submitted_by_id else None,
    }


def _region_month(request, region_id, month):
    if not has_any(request.auth, MONTHLY_REPORT_ROLES):
        raise PermissionDenied
    region = monthly.get_report_region_or_404(request.auth, region_id)
    return region, monthly.parse_month(month, default=local_date(region.organization))


@router.get("/region-summaries/{region_id}/{month}", response={200: SummaryOut, **ERRORS})
def read_summary(request, region_id: ID, month: Month):
    try:
        region, month = _region_month(request, region_id, month)
    except monthly.ReportError as error:
        return Status(400, {"detail": str(error)})
    return _summary_out(region, month)


@router.post("/region-summaries/{region_id}/{month}", response={200: SummaryOut, **ERRORS})
def submit_summary(request, region_id: ID, month: Month, body: SummaryIn):
    try:
        region, month = _region_month(request, region_id, month)
        monthly.submit_region_summary(region, month, actor=request.auth, summary=body.text)
    except monthly.ReportError as error:
        return Status(400, {"detail": str(error)})
    return _summary_out(region, month)
