"""The organization's settings, for its admin (store managers and region supervisors
read them): grading rules, custom classes, score weights, outreach numbers, per-person
quotas and cadences. `/admin/` stays for superusers."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.core.access import get_org_record_or_404
from revisit.core.models import Role
from revisit.grading.configure import update_grading_settings
from revisit.grading.services import grading_settings
from revisit.outreach.configure import (
    create_cadence,
    delete_cadence,
    set_daily_call_quota,
    update_cadence,
    update_outreach_settings,
)
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import Cadence
from revisit.web.permissions import SETTINGS_EDIT_ROLES, SETTINGS_VIEW_ROLES, has_any, require_roles
from revisit.web.settings_forms import (
    BAND_ATTRIBUTES,
    SCORE_FEATURES,
    BandRuleForm,
    BandRuleFormSet,
    CadenceForm,
    GradingForm,
    NewCadenceForm,
    OutreachSettingsForm,
    ScoreWeightsForm,
    StaffQuotaForm,
    cadence_key_label,
    thresholds_label,
)

SECTIONS = [
    ("settings_grading", gettext_lazy("Grading")),
    ("settings_bands", gettext_lazy("Custom classes")),
    ("settings_weights", gettext_lazy("Score weights")),
    ("settings_outreach", gettext_lazy("Outreach numbers")),
    ("settings_quotas", gettext_lazy("Quotas per person")),
    ("settings_cadences", gettext_lazy("Cadences")),
    ("settings_points", gettext_lazy("Points and membership")),
    ("settings_psychology", gettext_lazy("Psychology types")),
    ("settings_wallet", gettext_lazy("Top-up bonus")),  # revisit.web.views.wallet
    ("settings_message_templates", gettext_lazy("Message templates")),
    ("settings_messaging", gettext_lazy("Messaging")),
    ("settings_journeys", gettext_lazy("Timed journeys")),  # revisit.web.views.journeys
    ("strategies", gettext_lazy("Strategies")),
    ("campaigns", gettext_lazy("Campaigns")),
    ("settings_referrals", gettext_lazy("Referral program")),
    ("course_card_calls", gettext_lazy("Course-card call list")),
]


def settings_page(view):
    """Readers see the page; only an admin may change it (any other write is 403)."""

    @require_roles(SETTINGS_VIEW_ROLES)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.may_edit = has_any(request.user, SETTINGS_EDIT_ROLES)
        if request.method not in ("GET", "HEAD") and not request.may_edit:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _render(request, template, title, section, **context):
    return render(
        request,
        template,
        {
            "title": title,
            "sections": SECTIONS,
            "section": section,
            "may_edit": request.may_edit,
            **context,
        },
    )


def _saved(request, diff: dict):
    if diff:
        messages.success(request, _("Saved."))
    else:
        messages.info(request, _("Nothing was changed."))


def readonly_rows(form, skip=()) -> list[tuple]:
    """(label, value as shown) for each field of an unbound form: the read-only page."""
    rows = []
    for bound in form:
        if bound.name in skip:
            continue
        value = bound.value()
        choices = getattr(bound.field, "choices", None)
        if choices:
            value = dict(choices).get(value, value)
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        rows.append((bound.label, "—" if value in (None, "") else value))
    return rows


@settings_page
def index(request):
    return _render(request, "web/settings/index.html", _("Settings"), "")


@settings_page
def grading(request):
    org = request.user.organization
    current = grading_settings(org)
    form = GradingForm(request.POST or None, instance=grading_settings(org))
    if request.method == "POST" and form.is_valid():
        _saved(request, update_grading_settings(org, form.changes(), actor=request.user))
        return redirect("settings_grading")
    rows = [(_("RFM thresholds"), thresholds_label(current.thresholds))] + readonly_rows(
        form, skip={"thresholds_method", "thresholds_q"}
    )
    return _render(
        request, "web/settings/form.html", _("Grading"), "settings_grading", form=form, rows=rows
    )


@settings_page
def bands(request):
    org = request.user.organization
    rules = grading_settings(org).band_rules or []
    formset = BandRuleFormSet(
        request.POST or None,
        initial=[BandRuleForm.initial_from(r) for r in rules],
        prefix="bands",
    )
    if request.method == "POST" and formset.is_valid():
        diff = update_grading_settings(org, {"band_rules": formset.rules()}, actor=request.user)
        _saved(request, diff)
        return redirect("settings_bands")
    return _render(
        request,
        "web/settings/bands.html",
        _("Custom classes"),
        "settings_bands",
        formset=formset,
        rules=rules,
        attributes=BAND_ATTRIBUTES,
    )


@settings_page
def weights(request):
    org = request.user.organization
    current = grading_settings(org).score_weights or {}
    form = ScoreWeightsForm(request.POST or None, weights=current)
    if request.method == "POST" and form.is_valid():
        changes = {"score_weights": form.cleaned_data["weights"]}
        _saved(request, update_grading_settings(org, changes, actor=request.user))
        if form.ahp_result is not None:
            messages.info(
                request,
                _("Consistency ratio CR = %(cr).3f (consistent).") % {"cr": form.ahp_result.cr},
            )
        return redirect("settings_weights")
    total = sum(float(current.get(f, 0)) for f, _label in SCORE_FEATURES) or 1
    shares = [
        (label, current.get(f, 0), float(current.get(f, 0)) / total) for f, label in SCORE_FEATURES
    ]
    return _render(
        request,
        "web/settings/weights.html",
        _("Score weights"),
        "settings_weights",
        form=form,
        shares=shares,
    )


@settings_page
def outreach(request):
    org = request.user.organization
    form = OutreachSettingsForm(request.POST or None, instance=outreach_settings(org))
    if request.method == "POST" and form.is_valid():
        _saved(request, update_outreach_settings(org, form.changes(), actor=request.user))
        return redirect("settings_outreach")
    return _render(
        request,
        "web/settings/form.html",
        _("Outreach numbers"),
        "settings_outreach",
        form=form,
        rows=readonly_rows(form),
    )


@settings_page
def quotas(request):
    org = request.user.organization
    people = (
        org.staff.filter(is_active=True, role_assignments__role__in=[Role.CONSULTANT, Role.CALLER])
        .distinct()
        .order_by("display_name", "username")
    )
    form = StaffQuotaForm(request.POST or None, staff_list=people)
    if request.method == "POST" and form.is_valid():
        changed = {}
        for person, quota in form.changes():
            changed.update(set_daily_call_quota(person, quota, actor=request.user))
        _saved(request, changed)
        return redirect("settings_quotas")
    defaults = outreach_settings(org)
    roles = {
        person.pk: {a.role for a in person.role_assignments.all()}
        for person in people.prefetch_related("role_assignments")
    }
    rows = [
        (
            person,
            field,
            defaults.consultant_daily_quota
            if Role.CONSULTANT in roles.get(person.pk, ())
            else defaults.caller_daily_quota,
        )
        for person, field in form.rows()
    ]
    return _render(
        request,
        "web/settings/quotas.html",
        _("Quotas per person"),
        "settings_quotas",
        form=form,
        rows=rows,
    )


@settings_page
def cadences(request):
    org = request.user.organization
    items = [
        (c, cadence_key_label(c.key))
        for c in Cadence.objects.filter(organization=org).order_by("key")
    ]
    return _render(
        request, "web/settings/cadences.html", _("Cadences"), "settings_cadences", cadences=items
    )


@settings_page
def cadence_new(request):
    if not request.may_edit:
        raise PermissionDenied
    org = request.user.organization
    form = NewCadenceForm(
        request.POST or None, organization=org, instance=Cadence(organization=org)
    )
    if request.method == "POST" and form.is_valid():
        create_cadence(org, form.changes(), actor=request.user)
        messages.success(request, _("Saved."))
        return redirect("settings_cadences")
    return _render(
        request, "web/settings/form.html", _("New cadence"), "settings_cadences", form=form
    )


@settings_page
def cadence_edit(request, pk: int):
    cadence = get_org_record_or_404(request.user, Cadence, pk=pk)
    title = f"{cadence.name} · {cadence_key_label(cadence.key)}"
    form = CadenceForm(request.POST or None, instance=cadence)
    if request.method == "POST" and form.is_valid():
        _saved(request, update_cadence(cadence, form.changes(), actor=request.user))
        return redirect("settings_cadences")
    rows = [(_("When it applies"), cadence_key_label(cadence.key)), *readonly_rows(form)]
    return _render(
        request, "web/settings/form.html", title, "settings_cadences", form=form, rows=rows
    )


@settings_page
def cadence_delete(request, pk: int):
    cadence = get_org_record_or_404(request.user, Cadence, pk=pk)
    if not request.may_edit:
        raise PermissionDenied
    if request.method == "POST":
        delete_cadence(cadence, actor=request.user)
        messages.success(request, _("Deleted: %(name)s") % {"name": cadence.name})
        return redirect("settings_cadences")
    return _render(
        request,
        "web/settings/delete.html",
        _("Delete cadence"),
        "settings_cadences",
        cadence=cadence,
        key_label=cadence_key_label(cadence.key),
    )
