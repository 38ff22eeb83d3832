"""Forms of the referral channel: they parse what people type; the referral services
check the rules."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from revisit.core.models import Role
from revisit.customers.models import Channel
from revisit.referrals.models import (
    KPI_METRICS,
    KPI_ROLES,
    Attribution,
    Intention,
    ReferralSettings,
)
from revisit.referrals.policy import TEXT_LIMITS
from revisit.web.forms import DATE

PHONE_INPUT_LIMIT = 40


class LeadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=TEXT_LIMITS["name"])
    mobile = forms.CharField(label=_("Mobile"), max_length=PHONE_INPUT_LIMIT, required=False)
    wechat_id = forms.CharField(
        label=_("WeChat ID"), max_length=TEXT_LIMITS["wechat_id"], required=False
    )
    items = forms.CharField(
        label=_("Needed items"), max_length=TEXT_LIMITS["items"], required=False
    )
    spending_power = forms.CharField(
        label=_("Spending power"), max_length=TEXT_LIMITS["spending_power"], required=False
    )
    expected_arrival = forms.DateField(label=_("Expected arrival"), required=False, widget=DATE)
    intention = forms.TypedChoiceField(
        label=_("Intention level"), choices=Intention.choices, coerce=int, initial=Intention.LEVEL_3
    )
    via_channel = forms.ChoiceField(
        label=_("Registered through"),
        choices=[("", _("Customer service"))]
        + [(c.value, c.label) for c in Channel if c not in (Channel.REFERRAL, Channel.WALK_IN)],
        required=False,
    )
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, empty_label=None)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores


class ArrivalForm(forms.Form):
    referrer_came = forms.BooleanField(label=_("The referrer came with her"), required=False)
    asked_consultant_by_name = forms.BooleanField(
        label=_("She asked for a consultant by name"), required=False
    )
    came_in_group = forms.BooleanField(label=_("She came in a group"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Reason for rejecting")}),
    )


class CorrectionForm(ReasonForm):
    attribution = forms.ChoiceField(
        label=_("Attribution"),
        choices=list(Attribution.choices)
        + [(c.value, c.label) for c in Channel if c.value not in Attribution.values],
    )


class ReferralSettingsForm(forms.ModelForm):
    class Meta:
        model = ReferralSettings
        fields = [
            "registration_cutoff_days",
            "referrer_rebate_rate",
            "referee_rebate_rate",
            "gift_threshold",
            "gift_value",
            "gift_description",
            "gift_credit_rate",
            "referrer_points_per_yuan",
            "revenue_share_target",
        ]

    # Left empty, these keep their current value (forms of older pages lack them).
    KEEP_WHEN_EMPTY = ("revenue_share_target", "referrer_points_per_yuan", "gift_credit_rate")
    SHARES = (
        "referrer_rebate_rate",
        "referee_rebate_rate",
        "revenue_share_target",
        "gift_credit_rate",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = {name: getattr(self.instance, name) for name in self.KEEP_WHEN_EMPTY}
        for name in self.KEEP_WHEN_EMPTY:
            self.fields[name].required = False
        points = self.fields["referrer_points_per_yuan"]
        points.min_value, points.max_value = Decimal(0), Decimal(1000)
        self.fields["revenue_share_target"].min_value = Decimal(0)
        self.fields["revenue_share_target"].max_value = Decimal(1)
        labels = dict(Role.choices)
        metric_labels = {
            "registrations": _("registrations"),
            "arrivals": _("arrivals"),
            "deals": _("deals"),
        }
        for role in KPI_ROLES:
            current = self.instance.role_target(role)
            for metric in KPI_METRICS:
                self.fields[f"target_{role}_{metric}"] = forms.DecimalField(
                    label=_("%(role)s: %(metric)s per 100 served customers a month")
                    % {"role": labels[role], "metric": metric_labels[metric]},
                    min_value=Decimal(0),
                    max_value=Decimal(100),
                    max_digits=6,
                    decimal_places=2,
                    initial=current[metric],
                    required=False,
                )
        self.fields["registration_cutoff_days"].max_value = 60
        self.fields["registration_cutoff_days"].widget.attrs["max"] = 60
        for name in ("referrer_rebate_rate", "referee_rebate_rate"):
            self.fields[name].min_value = Decimal(0)
            self.fields[name].max_value = Decimal(1)
            self.fields[name].help_text = _("A share: 0.05 is 5%.")

    def clean(self):
        cleaned = super().clean()
        for name in self.SHARES:
            value = cleaned.get(name)
            if value is not None and not (0 <= value <= 1):
                self.add_error(name, _("Enter a share between 0 and 1."))
        points = cleaned.get("referrer_points_per_yuan")
        if points is not None and not (0 <= points <= 1000):
            self.add_error("referrer_points_per_yuan", _("Enter a number between 0 and 1,000."))
        for name in ("gift_threshold", "gift_value"):
            value = cleaned.get(name)
            if value is not None and not (0 <= value <= Decimal("10000000")):
                self.add_error(name, _("Enter an amount between 0 and 10,000,000."))
        return cleaned

    def changes(self) -> dict:
        changes = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for name, stored in self.stored.items():
            if changes[name] is None:
                changes[name] = stored
        targets = {}
        for role in KPI_ROLES:
            current = self.instance.role_target(role)
            targets[str(role)] = {}
            for metric in KPI_METRICS:
                value = self.cleaned_data.get(f"target_{role}_{metric}")
                value = current[metric] if value is None else value
                targets[str(role)][metric] = f"{value.normalize():f}"
        changes["role_targets"] = targets
        return changes
