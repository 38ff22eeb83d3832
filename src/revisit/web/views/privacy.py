"""A customer's personal-data rights, for the organization's admin: a copy of her data,
and erasure (with a reason, and her code typed again to confirm)."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from revisit.core.access import get_customer_or_404
from revisit.customers.consents import SOURCE_MAX, set_consent
from revisit.customers.models import MarketingConsent
from revisit.privacy.rights import RightsError, erase_customer, export_personal_data
from revisit.web import permissions as perm
from revisit.web.exports import XLSX

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xlsx": XLSX}


class EraseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    confirm_code = forms.CharField(label=gettext_lazy("Type the customer code to confirm"))

    def __init__(self, *args, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code

    def clean_confirm_code(self):
        if self.cleaned_data["confirm_code"].strip() != self.code:
            raise forms.ValidationError(_("The code does not match."))
        return self.cleaned_data["confirm_code"]


@perm.require_roles(perm.PERSONAL_DATA_ROLES)
def personal_data(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    fmt = request.GET.get("format", "xlsx")
    try:
        body, fmt = export_personal_data(customer, actor=request.user, fmt=fmt)
    except RightsError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="personal-data-{customer.pk}.{fmt}"'
    return response


@perm.require_roles(perm.PERSONAL_DATA_ROLES)
def erase(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    form = EraseForm(request.POST or None, code=customer.code)
    if request.method == "POST" and form.is_valid():
        try:
            erased = erase_customer(
                customer, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except RightsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("The customer's personal data was erased; %(n)d stored files deleted.")
                % {"n": erased.files_deleted},
            )
            return redirect("customer", pk=customer.pk)
    return render(request, "web/customers/erase.html", {"customer": customer, "form": form})


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=MarketingConsent.Channel.choices
    )
    granted = forms.TypedChoiceField(
        label=gettext_lazy("Consent"),
        choices=[("1", gettext_lazy("Agrees")), ("0", gettext_lazy("Refuses"))],
        coerce=lambda v: v == "1",
    )
    source = forms.CharField(
        label=gettext_lazy("Where she said it"), max_length=SOURCE_MAX, required=True
    )


@require_POST
def consent(request, pk: int):
    """Anyone who may see the customer records what she said about marketing."""
    customer = get_customer_or_404(request.user, pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        set_consent(
            customer,
            actor=request.user,
            channel=d["channel"],
            granted=d["granted"],
            source=d["source"],
        )
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose a channel, yes or no, and where she said it."))
    return redirect("customer", pk=customer.pk)
