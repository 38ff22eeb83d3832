"""Settings: the timed journeys as a matrix (each journey's actions per tier and for
non-members), a journey's edit page, and the preview of a day's touches (tomorrow by
default) with how many messages the rules hold back and why. The admin edits; store
managers and region supervisors read, and see only their customers in the preview."""

from datetime import timedelta

from django.shortcuts import redirect
from django.utils.translation import gettext as _

from revisit.core.access import get_org_record_or_404, visible_customers
from revisit.core.clock import local_date
from revisit.journeys.models import ActionKind, Journey, Membership, Trigger
from revisit.journeys.services import JourneyError, journeys_of, update_journey
from revisit.journeys.tick import preview_day, suppression_summary
from revisit.web.journey_forms import ActionFormSet, JourneyForm, PreviewDayForm, action_rows
from revisit.web.views.settings import _render, _saved, settings_page

SECTION = "settings_journeys"
TIERS = ["SVIP", "A", "B", "C"]
PREVIEW_ROWS = 300
AFTER = {Trigger.PURCHASE, Trigger.CARD_PICKUP}


def when(journey: Journey) -> str:
    """When a journey fires, in words."""
    if journey.trigger in AFTER:
        return _("Day %(n)s after the purchase") % {"n": journey.days}
    what = journey.get_holiday_display() if journey.holiday else journey.get_trigger_display()
    if journey.trigger == Trigger.EVENT:
        what = f"{what} {journey.event_on or _('(date not set)')}"
    if journey.trigger == Trigger.NEW_SEASON and journey.season_days:
        what = f"{what}（{journey.season_days}）"
    if journey.days == 0:
        return _("%(what)s, on the day") % {"what": what}
    if journey.days == 1:
        return _("%(what)s, the day before") % {"what": what}
    return _("%(what)s, %(n)s days before") % {"what": what, "n": journey.days}


def action_label(action) -> str:
    if action.kind == ActionKind.SEND:
        template = action.template
        if template is None:
            return _("Message (no template)")
        return f"{template.get_channel_display()}：{template.name}"
    if action.kind == ActionKind.CALL:
        return str(action.get_kind_display())
    return _("Store: %(task)s") % {"task": action.task}


def matrix_row(journey: Journey) -> dict:
    actions = list(journey.actions.all())
    cells = []
    for tier in TIERS:
        cells.append(
            [
                action_label(a)
                for a in actions
                if a.tier in ("", tier) and a.membership in (Membership.ANY, Membership.MEMBER)
            ]
        )
    cells.append(
        [
            (f"{a.tier}：" if a.tier else "") + action_label(a)
            for a in actions
            if a.membership in (Membership.ANY, Membership.NON_MEMBER)
        ]
    )
    return {"journey": journey, "when": when(journey), "cells": cells}


@settings_page
def journeys(request):
    org = request.user.organization
    rows = [matrix_row(j) for j in journeys_of(org)]
    return _render(
        request,
        "web/settings/journeys.html",
        _("Timed journeys"),
        SECTION,
        rows=rows,
        tiers=TIERS,
    )


def _initial_rows(journey: Journey) -> list[dict]:
    return [
        {
            "kind": a.kind,
            "tier": a.tier,
            "membership": a.membership,
            "template": a.template_id,
            "task": a.task,
            "due_days": a.due_days,
        }
        for a in journey.actions.all()
    ]


@settings_page
def journey_edit(request, pk: int):
    journey = get_org_record_or_404(request.user, Journey, pk=pk)
    org = request.user.organization
    form = JourneyForm(request.POST or None, instance=journey, prefix="j")
    formset = ActionFormSet(
        request.POST or None,
        initial=_initial_rows(journey),
        prefix="a",
        form_kwargs={"organization": org},
    )
    error = ""
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            try:
                diff = update_journey(
                    journey, form.changes(), action_rows(formset), actor=request.user
                )
            except JourneyError as problem:
                error = str(problem)
            else:
                _saved(request, diff)
                return redirect(SECTION)
        elif formset.non_form_errors():
            error = " ".join(formset.non_form_errors())
        journey.refresh_from_db()
    return _render(
        request,
        "web/settings/journey_form.html",
        journey.name,
        SECTION,
        journey=journey,
        when=when(journey),
        form=form,
        formset=formset,
        error=error,
        row=matrix_row(journey),
        tiers=TIERS,
    )


@settings_page
def journeys_preview(request):
    org = request.user.organization
    form = PreviewDayForm(request.GET or None)
    day = local_date(org) + timedelta(days=1)
    if form.is_bound and form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
        if not 1900 <= day.year <= 2200:
            form.add_error("date", _("Enter a date between 1900 and 2200."))
            day = local_date(org) + timedelta(days=1)
    if not form.is_bound or form.errors:
        form = PreviewDayForm(initial={"date": day}) if not form.is_bound else form
    touches = preview_day(org, day, customers=visible_customers(request.user))
    summary = suppression_summary(touches)
    return _render(
        request,
        "web/settings/journeys_preview.html",
        _("Touches of %(day)s") % {"day": day.isoformat()},
        SECTION,
        form=form,
        day=day,
        summary=summary,
        touches=touches[:PREVIEW_ROWS],
        more=max(0, len(touches) - PREVIEW_ROWS),
        total=len(touches),
    )
