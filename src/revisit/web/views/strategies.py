"""Strategies per segment and tier, and the contact cadences: view and edit."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.core.audit import record_event
from revisit.outreach.models import Cadence, Strategy
from revisit.web.forms import StrategyForm
from revisit.web.permissions import (
    STRATEGY_EDIT_ROLES,
    STRATEGY_VIEW_ROLES,
    has_any,
    require_roles,
)


class CadenceForm(forms.ModelForm):
    days_text = forms.CharField(
        label=gettext_lazy("Days"), help_text=gettext_lazy("Comma separated, e.g. 1, 3, 5")
    )

    class Meta:
        model = Cadence
        fields = ["name", "kind", "start_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days_text"].initial = ", ".join(str(d) for d in self.instance.days)

    def clean_days_text(self):
        try:
            days = sorted({int(p) for p in self.cleaned_data["days_text"].split(",") if p.strip()})
        except ValueError:
            raise forms.ValidationError(_("Days are whole numbers separated by commas.")) from None
        if not days or days[0] < 0 or days[-1] > 3650:
            raise forms.ValidationError(_("Give at least one day between 0 and 3650."))
        return days

    def save(self, commit=True):
        self.instance.days = self.cleaned_data["days_text"]
        return super().save(commit)


@require_roles(STRATEGY_VIEW_ROLES)
def strategy_list(request):
    org = request.user.organization
    return render(
        request,
        "web/strategies/list.html",
        {
            "strategies": Strategy.objects.filter(organization=org).order_by("priority", "target"),
            "cadences": Cadence.objects.filter(organization=org).order_by("key"),
            "may_edit": has_any(request.user, STRATEGY_EDIT_ROLES),
        },
    )


def _edit(request, instance, form_class, *, action: str, title: str):
    if not has_any(request.user, STRATEGY_EDIT_ROLES):
        raise PermissionDenied
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        record_event(
            request.user.organization,
            actor=request.user,
            action=action,
            target=saved,
            changed=form.changed_data,
        )
        messages.success(request, _("Saved: %(name)s") % {"name": saved})
        return redirect("strategies")
    return render(request, "web/strategies/edit.html", {"form": form, "title": title})


@require_roles(STRATEGY_VIEW_ROLES)
def strategy_edit(request, pk: int):
    strategy = get_object_or_404(Strategy, pk=pk, organization=request.user.organization)
    return _edit(request, strategy, StrategyForm, action="strategy.edit", title=str(strategy))


@require_roles(STRATEGY_VIEW_ROLES)
def cadence_edit(request, pk: int):
    cadence = get_object_or_404(Cadence, pk=pk, organization=request.user.organization)
    return _edit(request, cadence, CadenceForm, action="cadence.edit", title=str(cadence))
