"""Upgrade approvals (升级审批): the open proposals a user may see, a page at a time with
the reason for each; a store manager or an admin approves or rejects one, the selected
ones, or all matching the filter, in place (htmx). Region supervisors read only."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from revisit.core.access import visible_customers
from revisit.core.models import Store
from revisit.customers.models import Tier
from revisit.grading.models import TierChange
from revisit.grading.reads import upgrade_reason
from revisit.grading.services import (
    approve_upgrade,
    decidable_upgrades,
    decide_upgrades,
    reject_upgrade,
)
from revisit.web.params import (
    MAX_ID,
    BadParameter,
    answers_bad_parameters,
    id_param,
    page_param,
)
from revisit.web.permissions import (
    INVENTORY_VIEW_ROLES,
    UPGRADE_DECIDE_ROLES,
    has_any,
    require_roles,
)

PAGE_SIZE = 50


def visible_proposals(staff):
    """Open proposals for the customers `staff` may see."""
    return TierChange.objects.filter(
        organization_id=staff.organization_id,
        status=TierChange.Status.PROPOSED,
        customer__in=visible_customers(staff).values("pk"),
    )


class UpgradeFilter(forms.Form):
    store = forms.TypedChoiceField(
        label=gettext_lazy("Store"), required=False, coerce=int, empty_value=None
    )
    tier = forms.ChoiceField(label=gettext_lazy("To tier"), required=False)

    def __init__(self, data, *, organization):
        super().__init__(data)
        stores = Store.objects.filter(organization=organization).order_by("code")
        self.fields["store"].choices = [("", _("All stores"))] + [(s.pk, str(s)) for s in stores]
        self.fields["tier"].choices = [("", _("All tiers")), *Tier.choices]


def _filtered(request, data):
    form = UpgradeFilter(data, organization=request.user.organization)
    if not form.is_valid():
        raise BadParameter(next(iter(form.errors.values()))[0])
    proposals = visible_proposals(request.user)
    store, tier = form.cleaned_data["store"], form.cleaned_data["tier"]
    if store:
        proposals = proposals.filter(store_id=store)
    if tier:
        proposals = proposals.filter(to_tier=tier)
    return form, proposals, store, tier


def panel_context(request, data) -> dict:
    """What the proposals panel shows for the filter and page in `data`; the inventories
    page shows the first page too."""
    form, proposals, _store, _tier = _filtered(request, data)
    paginator = Paginator(
        proposals.select_related("customer", "store", "inventory").order_by(
            "store__code", "customer__code", "pk"
        ),
        PAGE_SIZE,
    )
    page = page_param(data.get("page"), paginator) if paginator.count else paginator.page(1)
    may_decide = has_any(request.user, UPGRADE_DECIDE_ROLES)
    rows = list(page.object_list)
    decidable = (
        set(
            decidable_upgrades(request.user)
            .filter(pk__in=[p.pk for p in rows])
            .values_list("pk", flat=True)
        )
        if may_decide
        else set()
    )
    for p in rows:
        p.reason = upgrade_reason(p)
        p.may_decide = p.pk in decidable
    filters = {k: v for k, v in data.items() if k in {"store", "tier"} and v}
    return {
        "filter_form": form,
        "page": page,
        "rows": rows,
        "may_decide": may_decide,
        "query": urlencode(filters),
        "filters": filters,
    }


def _panel(request, data):
    template = "web/upgrades/panel.html" if request.htmx else "web/upgrades/list.html"
    return render(request, template, panel_context(request, data))


@require_roles(INVENTORY_VIEW_ROLES)
@answers_bad_parameters
def upgrade_list(request):
    return _panel(request, request.GET)


@require_roles(UPGRADE_DECIDE_ROLES)
@require_POST
@answers_bad_parameters
def decide(request):
    """One action on many proposals: `action` is approve_selected / reject_selected (the
    ticked `ids`) or approve_matching / reject_matching (every one matching the store and
    tier filter). One service call, one audit event."""
    action = request.POST.get("action", "")
    if action not in {"approve_selected", "reject_selected", "approve_matching", "reject_matching"}:
        raise BadParameter(_("Choose approve or reject."))
    approve = action.startswith("approve")
    note = request.POST.get("note", "")[:200]
    _form, _proposals, store, tier = _filtered(request, request.POST)
    if action.endswith("matching"):
        count = decide_upgrades(
            request.user, approve=approve, store_id=store, to_tier=tier or None, note=note
        )
    else:
        ids = [id_param(v) for v in request.POST.getlist("ids")]
        visible = visible_proposals(request.user).filter(pk__in=ids)
        count = decide_upgrades(
            request.user,
            approve=approve,
            change_ids=list(visible.values_list("pk", flat=True)),
            note=note,
        )
    if count == 0:
        messages.warning(request, _("Nothing was decided: choose proposals you may decide."))
    elif approve:
        messages.success(request, _("%(count)s upgrades approved.") % {"count": count})
    else:
        messages.success(request, _("%(count)s upgrades rejected.") % {"count": count})
    return _after_decision(request)


@require_roles(UPGRADE_DECIDE_ROLES)
@require_POST
@answers_bad_parameters
def decide_one(request, pk: int):
    """Approve or reject one proposal (audited on the customer)."""
    if pk > MAX_ID:
        raise Http404
    change = get_object_or_404(visible_proposals(request.user), pk=pk)
    note = request.POST.get("note", "")[:200]
    decide = approve_upgrade if request.POST.get("decision") == "approve" else reject_upgrade
    try:
        change = decide(change.pk, actor=request.user, note=note)
    except PermissionDenied:
        messages.error(request, _("Only the store's manager or an admin can decide this."))
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(customer)s: %(status)s")
            % {"customer": change.customer, "status": change.get_status_display()},
        )
    return _after_decision(request)


def _after_decision(request):
    """htmx gets the refreshed panel, on the same filter and page (or the last page left),
    so the manager stays where she was; a plain form post goes back to the page."""
    data = request.POST.copy()
    _form, proposals, store, tier = _filtered(request, data)
    if not request.htmx:
        params = "&".join(f"{k}={v}" for k, v in (("store", store), ("tier", tier)) if v)
        return redirect(reverse("upgrades") + (f"?{params}" if params else ""))
    pages = max(1, -(-proposals.count() // PAGE_SIZE))
    number = id_param(data.get("page"), required=False) or 1
    data["page"] = str(min(number, pages))
    return _panel(request, data)
