"""Forms of the pages. Services validate the business rules; forms parse what people type."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.clock import org_zone
from revisit.core.models import Store
from revisit.customers.models import MarketingConsent, Satisfaction
from revisit.outreach.assignments import assignable_staff
from revisit.outreach.configure import consultants
from revisit.outreach.models import (
    Allocation,
    ContactChannel,
    DeclineReason,
    DissatisfactionReason,
    Outcome,
    OutreachSettings,
    Strategy,
)
from revisit.outreach.scripts import check_script

# Which extra fields each outcome asks for (the service refuses the outcome without the
# required ones; the page only shows what matters).
OUTCOME_FIELDS = {
    Outcome.VALID_1: ["appointment_at", "note"],
    Outcome.VALID_2: ["intent", "event_on", "note"],
    Outcome.VALID_3: ["decline_reason", "next_campaign_on", "note"],
    Outcome.VALID_4: ["note"],
    Outcome.INVALID_1: ["note"],
    Outcome.INVALID_2: ["note"],
}
# A date input only accepts YYYY-MM-DD; the localized default leaves it empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FollowUpForm(forms.Form):
    # No outcome is preselected: an Enter in the note must not record one nobody chose.
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("— choose the outcome —")), *Outcome.choices],
        error_messages={"required": _("Choose the outcome of the call.")},
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=ContactChannel.choices, initial=ContactChannel.CALL
    )
    appointment_at = forms.DateTimeField(
        label=_("Arrival time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    intent = forms.TypedChoiceField(
        label=_("Intent"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (1, _("1 strong")), (2, _("2 medium")), (3, _("3 weak"))],
    )
    event_on = forms.DateField(label=_("Event date"), required=False, widget=DATE)
    decline_reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", "—"), *DeclineReason.choices]
    )
    next_campaign_on = forms.DateField(label=_("Next campaign"), required=False, widget=DATE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction (survey)"),
        required=False,
        choices=[("", "—"), *[c for c in Satisfaction.choices if c[0]]],
    )
    dissatisfaction_reason = forms.ChoiceField(
        label=_("Why not satisfied"),
        required=False,
        choices=[("", "—"), *DissatisfactionReason.choices],
    )
    opt_out = forms.BooleanField(
        label=_("The customer asks for no more marketing contact"), required=False
    )
    opt_out_channels = forms.MultipleChoiceField(
        label=_("On these channels (none ticked: all)"),
        required=False,
        choices=MarketingConsent.Channel.choices,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = org_zone(organization)

    def opted_out_channels(self) -> list[str]:
        """The channels she said no to: those ticked, or all when only the box is."""
        chosen = self.cleaned_data.get("opt_out_channels") or []
        if chosen or not self.cleaned_data.get("opt_out"):
            return list(chosen)
        return list(MarketingConsent.Channel.values)

    def visible_fields_for(self, outcome: str | None = None):
        """The fields the outcome asks for (the chosen one when not given)."""
        if outcome is None:
            outcome = self["outcome"].value()
        wanted = OUTCOME_FIELDS.get(outcome, ["note"])
        return [self[name] for name in wanted]

    def error_text(self) -> str:
        """Every error in one line, a field's error after the field's label."""
        return "; ".join(
            str(e) if name in (NON_FIELD_ERRORS, "outcome") else f"{self[name].label}: {e}"
            for name, errors in self.errors.items()
            for e in errors
        )

    def clean_appointment_at(self):
        value: datetime | None = self.cleaned_data.get("appointment_at")
        if value is None:
            return None
        # The browser sends a wall-clock time: it is the organization's local time.
        return timezone.make_aware(value.replace(tzinfo=None), self.zone)


class InventoryForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DATE)
    window_months = forms.IntegerField(
        label=_("Window (months, empty = all history)"), required=False, min_value=1, max_value=120
    )
    method = forms.ChoiceField(
        label=_("Thresholds"),
        required=False,
        choices=[
            ("", _("The organization's setting")),
            ("mean", _("Mean")),
            ("median", _("Median")),
            ("quantile", _("Quantile")),
            ("fixed", _("Fixed values")),
        ],
    )
    quantile = forms.DecimalField(
        label=_("Quantile Q"), required=False, min_value=0.01, max_value=0.99, decimal_places=2
    )
    fixed_recency = forms.DecimalField(
        label=_("R: days at most"), required=False, min_value=0, max_value=100_000
    )
    fixed_frequency = forms.DecimalField(
        label=_("F: visits at least"), required=False, min_value=0, max_value=100_000
    )
    fixed_monetary = forms.DecimalField(
        label=_("M: spend at least"), required=False, min_value=0, max_value=10**12
    )

    EARLIEST = date(1900, 1, 1)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        """The chosen method as the engine's thresholds: None (the organization's
        setting), "mean", "median", "quantile:Q" or the three fixed values."""
        data = super().clean()
        method = data.get("method")
        if method == "quantile":
            if data.get("quantile") is None:
                self.add_error("quantile", _("Give the quantile, between 0.01 and 0.99."))
            else:
                data["thresholds"] = f"quantile:{data['quantile']}"
        elif method == "fixed":
            values = [data.get(f"fixed_{k}") for k in ("recency", "frequency", "monetary")]
            if any(v is None for v in values):
                self.add_error(None, _("Fixed thresholds need all three values: R, F and M."))
            else:
                keys = ["recency_days", "frequency", "monetary"]
                data["thresholds"] = {k: str(v) for k, v in zip(keys, values, strict=True)}
        else:
            data["thresholds"] = method or None
        return data

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > self.today:
            raise forms.ValidationError(_("An inventory cannot be dated in the future."))
        if as_of < self.EARLIEST:
            raise forms.ValidationError(_("An inventory cannot be dated before 1900."))
        return as_of


class StrategyForm(forms.ModelForm):
    class Meta:
        model = Strategy
        fields = [
            "name",
            "department",
            "invitation_type",
            "policy",
            "offer",
            "upgrade_discount",
            "script",
            "priority",
            "is_worked",
            "allocation",
            "manager",
        ]
        widgets = {
            "policy": forms.Textarea(attrs={"rows": 2}),
            "offer": forms.Textarea(attrs={"rows": 2}),
            "script": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "script": _(
                "Placeholders filled on each task: {name} {surname} {honorific} {last_item} "
                "{last_visit} {offer} {store} {staff} {org}"
            ),
        }

    def clean_script(self):
        script = self.cleaned_data["script"]
        try:
            check_script(script)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return script

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model only says "not negative"; bound what a person can type.
        self.fields["priority"] = forms.IntegerField(
            label=self.fields["priority"].label,
            help_text=self.fields["priority"].help_text,
            min_value=0,
            max_value=99,
        )
        self.fields["upgrade_discount"] = forms.DecimalField(
            label=self.fields["upgrade_discount"].label,
            help_text=self.fields["upgrade_discount"].help_text,
            required=False,
            min_value=0,
            max_value=1,
            decimal_places=2,
        )
        # A VIP manager takes calls: one of the organization's consultants or callers.
        self.fields["manager"].queryset = assignable_staff(self.instance.organization)

    def clean(self):
        data = super().clean()
        if data.get("allocation") == Allocation.MANAGER and not data.get("manager"):
            self.add_error("manager", _("Choose the VIP manager who takes these customers."))
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PrecedenceForm(forms.ModelForm):
    class Meta:
        model = OutreachSettings
        fields = ["strategy_precedence"]
        widgets = {"strategy_precedence": forms.RadioSelect}


class StaffDutyForm(forms.Form):
    assists = forms.ModelChoiceField(
        label=_("Assistant of"), queryset=None, required=False, empty_label="—"
    )
    on_call_team = forms.BooleanField(label=_("On the call team"), required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assists"].queryset = consultants(person.organization).exclude(pk=person.pk)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("customers", _("Customers")),
            ("orders", _("Orders")),
            ("balances", _("Opening balances")),
            ("referrals", _("Referral registrations")),
        ],
    )
    file = forms.FileField(label=_("File (.csv or .xlsx)"))
    store = forms.ModelChoiceField(
        label=_("Home store of the customers"),
        queryset=Store.objects.none(),
        required=False,
        empty_label=_("The store column of each row"),
    )

    def offer_stores(self, stores, *, whole_organization: bool) -> None:
        """The stores the uploader may import into. Someone who cannot import for the whole
        organization imports into one of hers: the first unless she chooses another."""
        field = self.fields["store"]
        field.queryset = stores.order_by("code")
        if not whole_organization:
            field.empty_label = None
            field.initial = field.queryset.first()

    def clean_store(self):
        return self.cleaned_data["store"] or self.fields["store"].initial
