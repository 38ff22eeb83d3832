"""The referral channel's pages: register a referred person from her referrer's card,
record her arrival (which decides the attribution), approve the first-order rewards, and
the program's settings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments.access import desk_stores
from revisit.core.access import (
    get_customer_or_404,
    get_lead_or_404,
    get_reward_or_404,
    visible_customers,
    visible_leads,
)
from revisit.core.changes import save_changes
from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.referrals.arrival import correct_attribution, record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.exports import HEADER, PHONE_COLUMN, lead_rows
from revisit.referrals.leads import lead_stores, register_lead
from revisit.referrals.models import Intention
from revisit.referrals.policy import (
    APPROVE_ROLES,
    ARRIVAL_ROLES,
    REGISTER_ROLES,
    ReferralError,
    may_approve,
    referral_settings,
)
from revisit.referrals.reports import channel_figures
from revisit.referrals.rewards import approve_reward, reject_reward
from revisit.referrals.targets import WINDOWS, golden_window, with_referral_history
from revisit.web import permissions as perm
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.params import BadParameter, answers_bad_parameters, parse_page
from revisit.web.referral_forms import (
    ArrivalForm,
    CorrectionForm,
    LeadForm,
    ReasonForm,
    ReferralSettingsForm,
)
from revisit.web.views.settings import _render, _saved, readonly_rows, settings_page

PAGE_SIZE = 50
STATUS_FILTERS = {
    "waiting": Q(arrived_at__isnull=True),
    "arrived": Q(arrived_at__isnull=False),
}


@perm.require_roles(perm.REFERRAL_ROLES)
@answers_bad_parameters
def referral_list(request):
    staff = request.user
    page = parse_page(request.GET.get("page"))
    status = request.GET.get("status", "")
    leads = visible_leads(staff).select_related("referrer", "customer", "store", "registered_by")
    if status in STATUS_FILTERS:
        leads = leads.filter(STATUS_FILTERS[status])
    else:
        status = ""
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name="referrals",
            header=HEADER,
            rows=lead_rows(leads),
            phone_column=PHONE_COLUMN,
        )
    start = (page - 1) * PAGE_SIZE
    rows = list(leads.order_by("-registered_at", "-pk")[start : start + PAGE_SIZE + 1])
    today = local_date(staff.organization)
    figures = channel_figures(visible_leads(staff), since=today.replace(day=1))
    return render(
        request,
        "web/referrals/list.html",
        {
            "leads": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": f"status={status}" if status else "",
            "status": status,
            "figures": figures,
            "may_approve": perm.has_any(staff, set(APPROVE_ROLES)),
        },
    )


def referral_new(request, pk: int):
    """Register a person the customer `pk` recommends (from her card)."""
    # The customer is looked up before the role: outside the scope is 404 for everyone.
    referrer = get_customer_or_404(request.user, pk=pk)
    if not perm.has_any(request.user, set(REGISTER_ROLES)):
        raise PermissionDenied
    stores = lead_stores(request.user, referrer)
    form = LeadForm(
        request.POST or None,
        stores=stores,
        initial={"store": referrer.home_store_id, "intention": Intention.LEVEL_3},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead = register_lead(
                referrer,
                actor=request.user,
                store=data["store"],
                name=data["name"],
                mobile=data["mobile"],
                wechat_id=data["wechat_id"],
                items=data["items"],
                spending_power=data["spending_power"],
                expected_arrival=data["expected_arrival"],
                intention=data["intention"],
                via_channel=data["via_channel"],
            )
        except ReferralError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(
                request, _("Referred person registered: %(name)s") % {"name": lead.name}
            )
            return redirect("referral", pk=lead.pk)
    return render(request, "web/referrals/new.html", {"form": form, "referrer": referrer})


def _detail(request, lead, **forms):
    staff = request.user
    may_arrive = (
        not lead.decided
        and perm.has_any(staff, set(ARRIVAL_ROLES))
        and (
            perm.has_any(staff, {Role.ADMIN})
            or desk_stores(staff, roles=ARRIVAL_ROLES).filter(pk=lead.store_id).exists()
        )
    )
    context = {
        "lead": lead,
        "rewards": list(lead.rewards.select_related("customer", "decided_by")),
        "may_arrive": may_arrive,
        "arrival_form": forms.get("arrival_form") or ArrivalForm(),
        "may_approve": may_approve(staff, lead.store_id),
        "reject_form": ReasonForm(),
        "may_correct": lead.decided and perm.has_any(staff, {Role.ADMIN}),
        "correction_form": forms.get("correction_form")
        or CorrectionForm(initial={"attribution": lead.attribution}),
        "facts": [
            (_("The referrer came with her"), lead.facts.get("referrer_came")),
            (_("She asked for a consultant by name"), lead.facts.get("asked_consultant_by_name")),
            (_("She came in a group"), lead.facts.get("came_in_group")),
        ]
        if lead.decided
        else [],
    }
    return render(request, "web/referrals/detail.html", context)


@perm.require_roles(perm.REFERRAL_ROLES)
def referral_detail(request, pk: int):
    lead = get_lead_or_404(request.user, pk=pk)
    return _detail(request, lead)


@require_POST
def referral_arrive(request, pk: int):
    lead = get_lead_or_404(request.user, pk=pk)
    form = ArrivalForm(request.POST)
    if not form.is_valid():
        return _detail(request, lead, arrival_form=form)
    try:
        lead = record_arrival(lead, actor=request.user, facts=ArrivalFacts(**form.cleaned_data))
    except ReferralError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Arrival recorded: %(attribution)s (%(rule)s)")
            % {"attribution": lead.attribution_label(), "rule": lead.get_rule_display()},
        )
    return redirect("referral", pk=lead.pk)


@require_POST
def referral_correct(request, pk: int):
    lead = get_lead_or_404(request.user, pk=pk)
    if not perm.has_any(request.user, {Role.ADMIN}):
        raise PermissionDenied
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _detail(request, lead, correction_form=form)
    try:
        correct_attribution(
            lead,
            actor=request.user,
            attribution=form.cleaned_data["attribution"],
            reason=form.cleaned_data["reason"],
        )
    except ReferralError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Attribution corrected."))
    return redirect("referral", pk=lead.pk)


@require_POST
def reward_approve(request, pk: int):
    reward = get_reward_or_404(request.user, pk=pk)
    try:
        approve_reward(reward, actor=request.user)
    except ReferralError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Reward approved."))
    return redirect("referral", pk=reward.lead_id)


@require_POST
def reward_reject(request, pk: int):
    reward = get_reward_or_404(request.user, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the rejection."))
        return redirect("referral", pk=reward.lead_id)
    try:
        reject_reward(reward, actor=request.user, reason=form.cleaned_data["reason"])
    except ReferralError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Reward rejected."))
    return redirect("referral", pk=reward.lead_id)


@settings_page
def referral_program(request):
    org = request.user.organization
    form = ReferralSettingsForm(request.POST or None, instance=referral_settings(org))
    if request.method == "POST" and form.is_valid():
        _saved(
            request,
            save_changes(
                referral_settings(org),
                form.changes(),
                actor=request.user,
                action="referral_settings.edit",
            ),
        )
        return redirect("settings_referrals")
    return _render(
        request,
        "web/settings/form.html",
        _("Referral program"),
        "settings_referrals",
        form=form,
        rows=readonly_rows(form),
    )


@perm.require_roles(perm.REFERRAL_ROLES)
@answers_bad_parameters
def golden_window_list(request):
    """Customers to ask for a referral now: 1-3 or 4-11 months after their last treatment,
    the precise approach (SVIP, A, very satisfied) first."""
    staff = request.user
    window = request.GET.get("window") or "1-3"
    if window not in WINDOWS:
        raise BadParameter(_("Choose one of the listed values."))
    page = parse_page(request.GET.get("page"))
    today = local_date(staff.organization)
    customers = with_referral_history(
        golden_window(visible_customers(staff), today=today, window=window)
    )
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name="golden-window",
            header=[
                _("Code"),
                _("Name"),
                _("Mobile"),
                _("Tier"),
                _("Satisfaction"),
                _("Last visit"),
                _("Approach"),
                _("Has referred"),
            ],
            rows=(
                [
                    c.code,
                    c.name,
                    c.mobile,
                    c.get_tier_display(),
                    c.get_satisfaction_display(),
                    c.last_visit,
                    _("Precise") if c.precise == 0 else _("Broad"),
                    _("Yes") if c.has_referred else _("No"),
                ]
                for c in customers.iterator(chunk_size=2000)
            ),
            phone_column=2,
        )
    start = (page - 1) * PAGE_SIZE
    rows = list(customers[start : start + PAGE_SIZE + 1])
    return render(
        request,
        "web/referrals/golden_window.html",
        {
            "customers": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": f"window={window}",
            "window": window,
            "windows": list(WINDOWS),
        },
    )
