"""Strategies per segment and tier: part of the settings (the organization's admin edits
them; store managers and region supervisors read them), with the rule of which one wins
when a segment and a tier strategy both apply."""

from django.shortcuts import redirect
from django.utils.translation import gettext as _

from revisit.core.access import get_org_record_or_404
from revisit.outreach.configure import update_outreach_settings, update_strategy
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import Strategy
from revisit.web.forms import PrecedenceForm, StrategyForm
from revisit.web.views.settings import _render, _saved, readonly_rows, settings_page


@settings_page
def strategy_list(request):
    org = request.user.organization
    settings = outreach_settings(org)
    form = PrecedenceForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        changes = {"strategy_precedence": form.cleaned_data["strategy_precedence"]}
        _saved(request, update_outreach_settings(org, changes, actor=request.user))
        return redirect("strategies")
    return _render(
        request,
        "web/strategies/list.html",
        _("Strategies"),
        "strategies",
        strategies=Strategy.objects.filter(organization=org)
        .select_related("manager")
        .order_by("priority", "target"),
        precedence_form=form,
        precedence_label=settings.get_strategy_precedence_display(),
    )


@settings_page
def strategy_edit(request, pk: int):
    strategy = get_org_record_or_404(request.user, Strategy, pk=pk)
    form = StrategyForm(request.POST or None, instance=strategy)
    if request.method == "POST" and form.is_valid():
        _saved(request, update_strategy(strategy, form.changes(), actor=request.user))
        return redirect("strategies")
    return _render(
        request,
        "web/settings/form.html",
        str(strategy),
        "strategies",
        form=form,
        rows=readonly_rows(form),
    )
