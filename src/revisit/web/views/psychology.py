"""Settings: the organization's list of patient psychology types (seed 004's six by
default). The admin renames, flags, adds or retires types; others read the list."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from revisit.core.access import get_org_record_or_404
from revisit.customers.models import PsychologyType
from revisit.customers.psychology import (
    PSYCHOLOGY_TYPE_FIELDS,
    create_psychology_type,
    install_default_psychology_types,
    update_psychology_type,
)
from revisit.web.views.settings import _render, _saved, readonly_rows, settings_page

SECTION = "settings_psychology"


class PsychologyTypeForm(forms.ModelForm):
    class Meta:
        model = PsychologyType
        fields = PSYCHOLOGY_TYPE_FIELDS

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


@settings_page
def psychology_types(request):
    org = request.user.organization
    install_default_psychology_types(org)
    kinds = PsychologyType.objects.filter(organization=org)
    return _render(
        request,
        "web/settings/psychology.html",
        _("Psychology types"),
        SECTION,
        kinds=kinds,
    )


@settings_page
def psychology_type_new(request):
    if not request.may_edit:
        raise PermissionDenied
    org = request.user.organization
    form = PsychologyTypeForm(request.POST or None, instance=PsychologyType(organization=org))
    if request.method == "POST" and form.is_valid():
        try:
            create_psychology_type(org, form.changes(), actor=request.user)
        except IntegrityError:
            form.add_error("name", _("This name is in the list already."))
        else:
            messages.success(request, _("Saved."))
            return redirect(SECTION)
    return _render(request, "web/settings/form.html", _("New psychology type"), SECTION, form=form)


@settings_page
def psychology_type_edit(request, pk: int):
    kind = get_org_record_or_404(request.user, PsychologyType, pk=pk)
    form = PsychologyTypeForm(request.POST or None, instance=kind)
    if request.method == "POST" and form.is_valid():
        try:
            _saved(request, update_psychology_type(kind, form.changes(), actor=request.user))
        except IntegrityError:
            form.add_error("name", _("This name is in the list already."))
        else:
            return redirect(SECTION)
    return _render(
        request,
        "web/settings/form.html",
        kind.name,
        SECTION,
        form=form,
        rows=readonly_rows(form),
    )
