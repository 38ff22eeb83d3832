"""The monthly revisit report (回访情况月报表) and the region's summary: who may read them,
the writes (each one transaction with one audit event), and the reminders when due.

The flow (seed 003, 回访流程): store staff suggest next month's plan; the store manager
writes the month's summary, sets the plan and submits by the month's last day (the
figures freeze then); the region supervisor reviews each store's report with comments
and submits the summary of all her stores by the next month's 1st."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings as conf
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Region, Role, Store
from revisit.reports.figures import (  # noqa: F401 (month_start: for callers)
    month_end,
    month_start,
    next_month,
    region_figures,
)
from revisit.reports.figures import store_figures as compute_store_figures
from revisit.reports.models import (
    SUGGESTION_MAX,
    TEXT_MAX,
    MonthlyFollowupReport,
    PlanSuggestion,
    RegionSummary,
)

# Store roles that suggest a plan (店员建议); the store manager sets it (店长制订).
SUGGEST_ROLES = (
    Role.STORE_MANAGER,
    Role.CONSULTANT,
    Role.CALLER,
    Role.PRACTITIONER,
    Role.FRONT_DESK,
)
MONTH_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}")
FIRST_MONTH = date(2000, 1, 1)
LAST_MONTH = date(2100, 12, 1)


class ReportError(ValueError):
    """A report action that cannot be done; the text says why, in the user's language."""


# --- scope ---------------------------------------------------------------------------


def _assignments(staff):
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return []
    return list(staff.role_assignments.all())


def visible_report_stores(staff) -> QuerySet[Store]:
    """The stores whose monthly reports `staff` may read: all for the admin, her
    region's for a supervisor, her own store(s) for the store's staff."""
    assignments = _assignments(staff)
    stores = Store.objects.filter(organization_id=staff.organization_id)
    if any(a.role == Role.ADMIN for a in assignments):
        return stores
    regions = [a.region_id for a in assignments if a.role == Role.REGION_SUPERVISOR]
    own = [a.store_id for a in assignments if a.store_id]
    if not regions and not own:
        return Store.objects.none()
    return stores.filter(Q(region_id__in=regions) | Q(pk__in=own))


def visible_report_regions(staff) -> QuerySet[Region]:
    """The regions whose summaries `staff` may read: all for the admin, hers for a
    region supervisor."""
    assignments = _assignments(staff)
    regions = Region.objects.filter(organization_id=staff.organization_id)
    if any(a.role == Role.ADMIN for a in assignments):
        return regions
    return regions.filter(
        pk__in=[a.region_id for a in assignments if a.role == Role.REGION_SUPERVISOR]
    )


def get_report_store_or_404(staff, pk) -> Store:
    try:
        return visible_report_stores(staff).select_related("region", "organization").get(pk=pk)
    except (Store.DoesNotExist, ValueError):
        raise Http404 from None


def get_report_region_or_404(staff, pk) -> Region:
    try:
        return visible_report_regions(staff).select_related("organization").get(pk=pk)
    except (Region.DoesNotExist, ValueError):
        raise Http404 from None


def may_suggest(staff, store) -> bool:
    return any(a.role in SUGGEST_ROLES and a.store_id == store.pk for a in _assignments(staff))


def may_set_plan(staff, store) -> bool:
    """The store's manager (or the organization's admin)."""
    return any(
        a.role == Role.ADMIN or (a.role == Role.STORE_MANAGER and a.store_id == store.pk)
        for a in _assignments(staff)
    )


def may_review(staff, store) -> bool:
    """The supervisor of the store's region (or the organization's admin)."""
    return any(
        a.role == Role.ADMIN
        or (
            a.role == Role.REGION_SUPERVISOR
            and store.region_id is not None
            and a.region_id == store.region_id
        )
        for a in _assignments(staff)
    )


def may_summarize(staff, region) -> bool:
    return any(
        a.role == Role.ADMIN or (a.role == Role.REGION_SUPERVISOR and a.region_id == region.pk)
        for a in _assignments(staff)
    )


# --- reads ---------------------------------------------------------------------------


def parse_month(raw: str | None, *, default: date) -> date:
    """A month written YYYY-MM (the first day of it); missing is `default`'s month.
    Raises ReportError."""
    raw = (raw or "").strip()
    if not raw:
        return month_start(default)
    text = raw[:20]
    try:
        if not MONTH_TEXT.fullmatch(text):
            raise ValueError(text)
        value = date(int(text[:4]), int(text[5:7]), 1)
    except ValueError:
        raise ReportError(
            _("“%(value)s” is not a month (write it as YYYY-MM).") % {"value": text}
        ) from None
    if not FIRST_MONTH <= value <= LAST_MONTH:
        raise ReportError(_("“%(value)s” is not a month (write it as YYYY-MM).") % {"value": text})
    return value


def report_of(store, month: date) -> MonthlyFollowupReport | None:
    return MonthlyFollowupReport.objects.filter(store=store, month=month).first()


def figures_of(store, month: date, report: MonthlyFollowupReport | None) -> dict:
    """The report's frozen figures once submitted, else today's."""
    if report is not None and report.status != MonthlyFollowupReport.Status.DRAFT:
        return report.figures
    return compute_store_figures(store, month)


def due_dates(month: date) -> tuple[date, date]:
    """(the store report's due day, the region summary's due day) of `month`."""
    return month_end(month), next_month(month)


# --- writes --------------------------------------------------------------------------


def _report_for_update(store, month) -> MonthlyFollowupReport:
    report, _created = MonthlyFollowupReport.objects.select_for_update().get_or_create(
        store=store, month=month, defaults={"organization_id": store.organization_id}
    )
    return report


def _text(value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ReportError(
            _("%(what)s is longer than %(max)s characters.") % {"what": what, "max": limit}
        )
    return value


def _check_month(month: date):
    if not FIRST_MONTH <= month <= LAST_MONTH or month.day != 1:
        raise ReportError(_("Not a month of a report."))


def suggest_plan(store, month: date, *, actor, text: str, now=None) -> PlanSuggestion:
    """A store staff member's suggestion for next month's plan (audited)."""
    if actor.organization_id != store.organization_id or not may_suggest(actor, store):
        raise PermissionDenied
    _check_month(month)
    text = _text(text, SUGGESTION_MAX, _("The suggestion"))
    if not text:
        raise ReportError(_("Write the suggestion first."))
    with transaction.atomic():
        report = _report_for_update(store, month)
        if report.status == MonthlyFollowupReport.Status.REVIEWED:
            raise ReportError(_("This report has been reviewed; it takes no more suggestions."))
        suggestion = PlanSuggestion.objects.create(
            report=report, author=actor, text=text, created_at=now or timezone.now()
        )
        record_event(
            store.organization,
            actor=actor,
            action="monthly_report.suggest",
            target=report,
            store=store.code,
            month=month.isoformat(),
        )
    return suggestion


def set_plan(store, month: date, *, actor, summary: str, plan: str, now=None):
    """The store manager writes the month's summary and sets next month's plan (audited
    with both texts' lengths). Allowed until the supervisor has reviewed it."""
    if actor.organization_id != store.organization_id or not may_set_plan(actor, store):
        raise PermissionDenied
    _check_month(month)
    summary = _text(summary, TEXT_MAX, _("The summary"))
    plan = _text(plan, TEXT_MAX, _("The plan"))
    with transaction.atomic():
        report = _report_for_update(store, month)
        if report.status == MonthlyFollowupReport.Status.REVIEWED:
            raise ReportError(_("This report has been reviewed; it can no longer be changed."))
        report.summary, report.plan = summary, plan
        report.plan_set_by, report.plan_set_at = actor, now or timezone.now()
        report.save(update_fields=["summary", "plan", "plan_set_by", "plan_set_at"])
        record_event(
            store.organization,
            actor=actor,
            action="monthly_report.plan",
            target=report,
            store=store.code,
            month=month.isoformat(),
            summary_chars=len(summary),
            plan_chars=len(plan),
        )
    return report


def submit_report(store, month: date, *, actor, now=None) -> MonthlyFollowupReport:
    """Submit the month's report for review: its figures freeze (audited). Needs the
    summary and the plan."""
    if actor.organization_id != store.organization_id or not may_set_plan(actor, store):
        raise PermissionDenied
    _check_month(month)
    now = now or timezone.now()
    with transaction.atomic():
        report = _report_for_update(store, month)
        if report.status != MonthlyFollowupReport.Status.DRAFT:
            raise ReportError(_("This report has been submitted already."))
        if not report.summary or not report.plan:
            raise ReportError(_("Write the month's summary and next month's plan first."))
        report.figures = compute_store_figures(store, month)
        report.status = MonthlyFollowupReport.Status.SUBMITTED
        report.submitted_by, report.submitted_at = actor, now
        report.save(update_fields=["figures", "status", "submitted_by", "submitted_at"])
        record_event(
            store.organization,
            actor=actor,
            action="monthly_report.submit",
            target=report,
            store=store.code,
            month=month.isoformat(),
            late=local_date(store.organization, now) > month_end(month),
        )
    return report


def review_report(store, month: date, *, actor, comment: str, now=None):
    """The region supervisor's comments on a submitted report (audited)."""
    if actor.organization_id != store.organization_id or not may_review(actor, store):
        raise PermissionDenied
    _check_month(month)
    comment = _text(comment, TEXT_MAX, _("The comments"))
    if not comment:
        raise ReportError(_("Write your comments first."))
    with transaction.atomic():
        report = (
            MonthlyFollowupReport.objects.select_for_update()
            .filter(store=store, month=month)
            .first()
        )
        if report is None or report.status != MonthlyFollowupReport.Status.SUBMITTED:
            raise ReportError(_("Only a submitted report can be reviewed."))
        report.review_comment = comment
        report.reviewed_by, report.reviewed_at = actor, now or timezone.now()
        report.status = MonthlyFollowupReport.Status.REVIEWED
        report.save(update_fields=["review_comment", "reviewed_by", "reviewed_at", "status"])
        record_event(
            store.organization,
            actor=actor,
            action="monthly_report.review",
            target=report,
            store=store.code,
            month=month.isoformat(),
        )
    return report


def region_stores(region) -> QuerySet[Store]:
    return Store.objects.filter(region=region).order_by("code")


def region_reports(region, month) -> dict[int, MonthlyFollowupReport]:
    return {
        r.store_id: r
        for r in MonthlyFollowupReport.objects.filter(store__region=region, month=month)
    }


def submit_region_summary(region, month: date, *, actor, summary: str, now=None):
    """The region supervisor's summary of all her stores' month (audited); submitted
    once, its figures frozen then."""
    if actor.organization_id != region.organization_id or not may_summarize(actor, region):
        raise PermissionDenied
    _check_month(month)
    summary = _text(summary, TEXT_MAX, _("The summary"))
    if not summary:
        raise ReportError(_("Write the summary first."))
    now = now or timezone.now()
    with transaction.atomic():
        if RegionSummary.objects.select_for_update().filter(region=region, month=month).exists():
            raise ReportError(_("This month's summary has been submitted already."))
        figures = region_figures(region_stores(region), month, region_reports(region, month))
        done = RegionSummary.objects.create(
            organization_id=region.organization_id,
            region=region,
            month=month,
            summary=summary,
            figures=figures,
            submitted_by=actor,
            submitted_at=now,
        )
        record_event(
            region.organization,
            actor=actor,
            action="region_summary.submit",
            target=done,
            region=region.code,
            month=month.isoformat(),
            late=local_date(region.organization, now) > next_month(month),
        )
    return done


# --- reminders -----------------------------------------------------------------------


@dataclass
class Reminder:
    kind: str  # "store_report", "review", "region_summary"
    text: str
    url_args: tuple
    due: date
    overdue: bool


def reminders(staff, *, today: date | None = None) -> list[Reminder]:
    """What is due for `staff`: her store's report near the month's end (and last
    month's if still not submitted), reports waiting for her review, her region's
    summary near the 1st. Read-only: reminders are computed, never stored."""
    assignments = _assignments(staff)
    if not assignments:
        return []
    today = today or local_date(staff.organization)
    lead = timedelta(days=conf.REPORTS_MONTHLY_REMIND_DAYS)
    this_month = month_start(today)
    last_month = month_start(this_month - timedelta(days=1))
    found: list[Reminder] = []
    managed = [a.store_id for a in assignments if a.role == Role.STORE_MANAGER]
    months = [m for m in (last_month, this_month) if today >= month_end(m) - lead]
    if managed and months:
        # One query: each managed store with, per month due, whether it was submitted.
        submitted = MonthlyFollowupReport.objects.filter(store_id=OuterRef("pk")).exclude(
            status=MonthlyFollowupReport.Status.DRAFT
        )
        stores = Store.objects.filter(pk__in=managed).annotate(
            **{f"done_{i}": Exists(submitted.filter(month=m)) for i, m in enumerate(months)}
        )
        for store in stores.order_by("code"):
            for i, month in enumerate(months):
                if getattr(store, f"done_{i}"):
                    continue
                due = month_end(month)
                text = _("Monthly revisit report of %(store)s for %(month)s, due %(due)s") % {
                    "store": store,
                    "month": f"{month:%Y-%m}",
                    "due": due.isoformat(),
                }
                found.append(
                    Reminder("store_report", text, (store.pk, f"{month:%Y-%m}"), due, today > due)
                )
    regions = [a.region_id for a in assignments if a.role == Role.REGION_SUPERVISOR]
    if not regions:
        return found
    waiting = (
        MonthlyFollowupReport.objects.filter(
            store__region_id__in=regions, status=MonthlyFollowupReport.Status.SUBMITTED
        )
        .select_related("store")
        .order_by("month", "store__code")[:50]
    )
    for report in waiting:
        found.append(
            Reminder(
                "review",
                _("Review the monthly revisit report of %(store)s for %(month)s")
                % {"store": report.store, "month": f"{report.month:%Y-%m}"},
                (report.store_id, f"{report.month:%Y-%m}"),
                next_month(report.month),
                today > next_month(report.month),
            )
        )
    for region in Region.objects.filter(pk__in=regions).order_by("code"):
        candidates = [m for m in (last_month, this_month) if today >= next_month(m) - lead]
        for month in candidates:
            if RegionSummary.objects.filter(region=region, month=month).exists():
                continue
            due = next_month(month)
            found.append(
                Reminder(
                    "region_summary",
                    _("Summary of %(region)s for %(month)s, due %(due)s")
                    % {"region": region, "month": f"{month:%Y-%m}", "due": due.isoformat()},
                    (region.pk, f"{month:%Y-%m}"),
                    due,
                    today > due,
                )
            )
    return found
