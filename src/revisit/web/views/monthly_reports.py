"""The monthly revisit report (回访情况月报表) pages: the month's reports of the stores one
may see, one store's report (figures, staff suggestions, the manager's summary and plan,
the supervisor's review), the region's summary; each downloads as xlsx."""

from datetime import timedelta

from django import forms
from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from revisit.core.clock import local_date
from revisit.customers.models import Tier
from revisit.messaging.models import MessageChannel
from revisit.outreach.models import ContactChannel
from revisit.reports import monthly
from revisit.reports.figures import TIERS, region_figures
from revisit.reports.models import SUGGESTION_MAX, TEXT_MAX, MonthlyFollowupReport, RegionSummary
from revisit.web import permissions as perm
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.params import BadParameter, answers_bad_parameters

MONTHLY_REPORT_ROLES = perm.MONTHLY_REPORT_ROLES


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your suggestion for next month"),
        max_length=SUGGESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": SUGGESTION_MAX}),
    )


class PlanForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Summary of the month"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
    )
    plan = forms.CharField(
        label=gettext_lazy("Next month's plan"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comments and guidance"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Summary of the region's month"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
    )


def _month(request, raw):
    try:
        return monthly.parse_month(raw, default=local_date(request.user.organization))
    except monthly.ReportError as error:
        raise BadParameter(str(error)) from None


def _contact_label(row) -> str:
    if row["kind"] == "followup":
        label = dict(ContactChannel.choices).get(row["channel"], "—")
        return _("%(channel)s (recorded contact)") % {"channel": label}
    label = dict(MessageChannel.choices).get(row["channel"], "—")
    return _("%(channel)s (sent by the outbox)") % {"channel": label}


def _tier_heads():
    labels = dict(Tier.choices)
    return [(t, str(labels.get(t, _("No tier")))) for t in TIERS]


def _contact_rows(figures):
    return [
        {
            "label": _contact_label(r),
            "tiers": [r["tiers"].get(t, 0) for t in TIERS],
            "total": r["total"],
        }
        for r in figures.get("contacts", [])
    ]


@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def monthly_reports(request):
    staff = request.user
    month = _month(request, request.GET.get("month"))
    stores = monthly.visible_report_stores(staff).select_related("region").order_by("code")
    reports = {
        r.store_id: r for r in MonthlyFollowupReport.objects.filter(store__in=stores, month=month)
    }
    regions = monthly.visible_report_regions(staff).order_by("code")
    summaries = {
        s.region_id: s for s in RegionSummary.objects.filter(region__in=regions, month=month)
    }
    store_due, region_due = monthly.due_dates(month)
    return render(
        request,
        "web/reports/monthly_list.html",
        {
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "previous": f"{(month - timedelta(days=1)):%Y-%m}",
            "next": f"{(month + timedelta(days=32)):%Y-%m}",
            "rows": [(s, reports.get(s.pk)) for s in stores],
            "regions": [(r, summaries.get(r.pk)) for r in regions],
            "store_due": store_due,
            "region_due": region_due,
            "reminders": monthly.reminders(staff),
        },
    )


def _store_xlsx(request, store, month, figures, report):
    heads = [label for _code, label in _tier_heads()]
    rows = [[_("Contacts by type and tier")], [_("Type"), *heads, _("Total")]]
    for r in _contact_rows(figures):
        rows.append([r["label"], *r["tiers"], r["total"]])
    points = figures.get("points", {})
    rows += [
        [],
        [_("Points of the customers contacted")],
        [_("Customers contacted"), points.get("customers", 0)],
        [_("Whose points grew"), points.get("grew", 0)],
        [_("Points earned"), points.get("earned", "0")],
        [_("Net change of points"), points.get("net", "0")],
        [_("Contacted 3 times or more without growth"), points.get("no_growth_repeat", 0)],
        [],
        [_("Summary of the month"), report.summary if report else ""],
        [_("Next month's plan"), report.plan if report else ""],
        [_("Supervisor's comments"), report.review_comment if report else ""],
    ]
    for s in report.suggestions.select_related("author") if report else []:
        rows.append([_("Suggestion"), f"{s.author}：{s.text}"])
    return xlsx_response(
        request,
        name=f"monthly-revisit-{store.code}-{month:%Y-%m}",
        header=[f"{store} {month:%Y-%m} {_('Monthly revisit report')}"],
        rows=rows,
    )


@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def monthly_report(request, store_id, month):
    staff = request.user
    store = monthly.get_report_store_or_404(staff, store_id)
    month = _month(request, month)
    report = monthly.report_of(store, month)
    figures = monthly.figures_of(store, month, report)
    if wants_xlsx(request):
        return _store_xlsx(request, store, month, figures, report)
    status = report.status if report else MonthlyFollowupReport.Status.DRAFT
    draft = status == MonthlyFollowupReport.Status.DRAFT
    due, _region_due = monthly.due_dates(month)
    return render(
        request,
        "web/reports/monthly_store.html",
        {
            "store": store,
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "report": report,
            "status_label": MonthlyFollowupReport.Status(status).label,
            "status": status,
            "due": due,
            "figures": figures,
            "tier_heads": [label for _code, label in _tier_heads()],
            "contacts": _contact_rows(figures),
            "contacted_by_tier": [
                figures.get("contacted", {}).get("by_tier", {}).get(t, 0) for t in TIERS
            ],
            "suggestions": report.suggestions.select_related("author") if report else [],
            "may_suggest": monthly.may_suggest(staff, store)
            and status != MonthlyFollowupReport.Status.REVIEWED,
            "may_plan": monthly.may_set_plan(staff, store)
            and status != MonthlyFollowupReport.Status.REVIEWED,
            "may_submit": monthly.may_set_plan(staff, store) and draft,
            "may_review": monthly.may_review(staff, store)
            and status == MonthlyFollowupReport.Status.SUBMITTED,
            "suggestion_form": SuggestionForm(),
            "plan_form": PlanForm(
                initial={"summary": report.summary, "plan": report.plan} if report else None
            ),
            "review_form": ReviewForm(),
        },
    )


def _store_action(request, store_id, month, form_class, action):
    store = monthly.get_report_store_or_404(request.user, store_id)
    month = _month(request, month)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                flash.error(request, error)
    else:
        try:
            action(store, month, form.cleaned_data if form is not None else {})
        except monthly.ReportError as error:
            flash.error(request, str(error))
    return redirect("monthly_report", store_id=store.pk, month=f"{month:%Y-%m}")


@require_POST
@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def monthly_suggest(request, store_id, month):
    def run(store, month, data):
        monthly.suggest_plan(store, month, actor=request.user, text=data["text"])
        flash.success(request, _("Your suggestion was added."))

    return _store_action(request, store_id, month, SuggestionForm, run)


@require_POST
@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def monthly_plan(request, store_id, month):
    def run(store, month, data):
        monthly.set_plan(
            store, month, actor=request.user, summary=data["summary"], plan=data["plan"]
        )
        flash.success(request, _("The summary and the plan were saved."))

    return _store_action(request, store_id, month, PlanForm, run)


@require_POST
@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def monthly_submit(request, store_id, month):
    def run(store, month, data):
        monthly.submit_report(store, month, actor=request.user)
        flash.success(request, _("Submitted to the region supervisor."))

    return _store_action(request, store_id, month, None, run)


@require_POST
@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def monthly_review(request, store_id, month):
    def run(store, month, data):
        monthly.review_report(store, month, actor=request.user, comment=data["comment"])
        flash.success(request, _("Your comments were sent to the store."))

    return _store_action(request, store_id, month, ReviewForm, run)


def _region_rows(region, month, summary):
    stores = {s.pk: s for s in monthly.region_stores(region)}
    if summary is not None:
        figures = summary.figures
    else:
        figures = region_figures(stores.values(), month, monthly.region_reports(region, month))
    labels = dict(MonthlyFollowupReport.Status.choices)
    rows = []
    for r in figures["stores"]:
        store = stores.get(r["store"])
        rows.append(
            {
                **r,
                "store_obj": store,
                "store_name": str(store) if store else "—",
                "status_label": str(labels.get(r["status"], _("Not started"))),
            }
        )
    return rows, figures["totals"]


@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def region_summary(request, region_id, month):
    staff = request.user
    region = monthly.get_report_region_or_404(staff, region_id)
    month = _month(request, month)
    summary = RegionSummary.objects.filter(region=region, month=month).first()
    rows, totals = _region_rows(region, month, summary)
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name=f"monthly-revisit-region-{region.code}-{month:%Y-%m}",
            header=[
                _("Store"),
                _("Report"),
                _("Contacts"),
                _("Customers contacted"),
                _("Whose points grew"),
                _("Points earned"),
                _("Contacted 3 times or more without growth"),
            ],
            rows=[
                *(
                    [
                        r["store_name"],
                        r["status_label"],
                        r["contacts_total"],
                        r["customers"],
                        r["grew"],
                        r["earned"],
                        r["no_growth_repeat"],
                    ]
                    for r in rows
                ),
                [
                    _("Total"),
                    "",
                    totals["contacts_total"],
                    totals["customers"],
                    totals["grew"],
                    totals["earned"],
                    "",
                ],
                [],
                [_("Summary of the region's month"), summary.summary if summary else ""],
            ],
        )
    _store_due, due = monthly.due_dates(month)
    return render(
        request,
        "web/reports/monthly_region.html",
        {
            "region": region,
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "summary": summary,
            "rows": rows,
            "totals": totals,
            "due": due,
            "may_submit": summary is None and monthly.may_summarize(staff, region),
            "form": SummaryForm(),
        },
    )


@require_POST
@perm.require_roles(MONTHLY_REPORT_ROLES)
@answers_bad_parameters
def region_summary_submit(request, region_id, month):
    region = monthly.get_report_region_or_404(request.user, region_id)
    month = _month(request, month)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                flash.error(request, error)
    else:
        try:
            monthly.submit_region_summary(
                region, month, actor=request.user, summary=form.cleaned_data["summary"]
            )
            flash.success(request, _("The region's summary was submitted."))
        except monthly.ReportError as error:
            flash.error(request, str(error))
    return redirect("region_summary", region_id=region.pk, month=f"{month:%Y-%m}")
