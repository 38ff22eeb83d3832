"""Forms of the course-card pages: sell, use a session, transfer, the call list."""

from django import forms
from django.utils.translation import gettext_lazy

from revisit.sales.models import Item
from revisit.wallet.course_card_models import MAX_SESSIONS, CourseCardSettings
from revisit.web.desk_forms import DayField


class SellForm(forms.Form):
    item = forms.ModelChoiceField(
        label=gettext_lazy("Item"),
        queryset=Item.objects.none(),
        required=False,
        empty_label=gettext_lazy("— any item of the category —"),
    )
    item_category = forms.CharField(
        label=gettext_lazy("or item category"), max_length=100, required=False
    )
    sessions = forms.IntegerField(
        label=gettext_lazy("Sessions"), min_value=1, max_value=MAX_SESSIONS
    )
    price = forms.DecimalField(
        label=gettext_lazy("Price (yuan)"),
        min_value=0,
        max_value=100_000_000,
        max_digits=12,
        decimal_places=2,
    )
    expires_on = DayField(label=gettext_lazy("Expires on"))
    card_number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Left empty, a number is given."),
    )
    store = forms.ModelChoiceField(label=gettext_lazy("Store"), queryset=None, required=False)

    def __init__(self, *args, organization, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(organization=organization).order_by(
            "category", "name"
        )
        self.fields["store"].queryset = stores

    def clean(self):
        data = super().clean()
        if not data.get("item") and not (data.get("item_category") or "").strip():
            raise forms.ValidationError(
                gettext_lazy("Choose the item or the item category the card is for.")
            )
        return data


class ConsumeForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class TransferForm(forms.Form):
    customer = forms.CharField(
        label=gettext_lazy("Receiving customer"),
        max_length=100,
        help_text=gettext_lazy("Customer code, name, or mobile number."),
    )
    sessions = forms.IntegerField(
        label=gettext_lazy("Sessions"), min_value=1, max_value=MAX_SESSIONS
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class CallSettingsForm(forms.ModelForm):
    class Meta:
        model = CourseCardSettings
        fields = ["expiry_days", "unused_days", "script"]
        widgets = {"script": forms.Textarea(attrs={"rows": 5})}

    def clean_script(self):
        from revisit.outreach.scripts import check_script

        text = self.cleaned_data["script"]
        try:
            check_script(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text
