"""Forms of the settings pages. Every number has bounds, so hostile input becomes a form
error in the user's language, never a database error."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.engine.ahp import CR_LIMIT, ahp, pairwise_matrix
from revisit.grading.models import GradingSettings
from revisit.outreach.models import Cadence, OutreachSettings

MONEY_MAX = Decimal("999999999999")  # max_digits=14 with two decimals
DAYS_MAX = 3650


def thresholds_label(spec: str) -> str:
    """mean → 平均值, quantile:0.6 → 分位数 0.6: the label of a thresholds mode."""
    text = (spec or "mean").strip().lower()
    if text == "mean":
        return _("Mean")
    if text == "median":
        return _("Median")
    if text.startswith("quantile:"):
        return _("Quantile %(q)s") % {"q": text.split(":", 1)[1]}
    return spec


def cadence_key_label(key: str) -> str:
    """intent_1 → 一级意向后, revisit:注射 → 术后回访：注射."""
    if key.startswith("intent_") and key[7:].isdigit():
        return _("After intent level %(n)s") % {"n": key[7:]}
    if key.startswith("revisit:"):
        return _("Post-treatment revisit: %(category)s") % {"category": key[8:]}
    return key


def bounded_int(field: forms.Field, top: int) -> forms.IntegerField:
    """A model's integer form field with an upper bound (the model only says "≥ 0")."""
    return forms.IntegerField(
        label=field.label,
        help_text=field.help_text,
        required=field.required,
        min_value=0,
        max_value=top,
        initial=field.initial,
    )


# ---------------------------------------------------------------- grading


def _model_label(name: str):
    """The model's own name of a field, so the page and the admin say the same."""
    return capfirst(GradingSettings._meta.get_field(name).verbose_name)


class GradingForm(forms.ModelForm):
    METHODS = [
        ("mean", gettext_lazy("Mean")),
        ("median", gettext_lazy("Median")),
        ("quantile", gettext_lazy("Quantile")),
    ]
    thresholds_method = forms.ChoiceField(label=gettext_lazy("RFM thresholds"), choices=METHODS)
    thresholds_q = forms.DecimalField(
        label=gettext_lazy("Quantile Q"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("0.99"),
        decimal_places=2,
        help_text=gettext_lazy("Between 0.01 and 0.99; only for the quantile method."),
    )
    window_months = forms.IntegerField(
        label=_model_label("window_months"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=gettext_lazy("Empty: all history."),
    )
    downgrade_after_days = forms.IntegerField(
        label=_model_label("downgrade_after_days"),
        min_value=1,
        max_value=DAYS_MAX,
    )
    a_above_points = forms.IntegerField(
        label=_model_label("a_above_points"), min_value=0, max_value=10**9
    )
    b_min_points = forms.IntegerField(
        label=_model_label("b_min_points"), min_value=0, max_value=10**9
    )
    svip_min_spend = forms.DecimalField(
        label=_model_label("svip_min_spend"), min_value=0, max_value=MONEY_MAX, decimal_places=2
    )
    a_min_spend = forms.DecimalField(
        label=_model_label("a_min_spend"), min_value=0, max_value=MONEY_MAX, decimal_places=2
    )
    b_min_spend = forms.DecimalField(
        label=_model_label("b_min_spend"), min_value=0, max_value=MONEY_MAX, decimal_places=2
    )
    a_top_share = forms.DecimalField(
        label=_model_label("a_top_share"),
        min_value=Decimal("0.001"),
        max_value=Decimal("0.999"),
        decimal_places=3,
        help_text=gettext_lazy("e.g. 0.2: the top fifth of customers by spend."),
    )
    b_next_share = forms.DecimalField(
        label=_model_label("b_next_share"),
        min_value=Decimal("0"),
        max_value=Decimal("0.999"),
        decimal_places=3,
        help_text=gettext_lazy("e.g. 0.3: the next 30 % of customers by spend; the rest are C."),
    )

    class Meta:
        model = GradingSettings
        fields = [
            "window_months",
            "tier_basis",
            "svip_min_spend",
            "a_min_spend",
            "b_min_spend",
            "a_above_points",
            "b_min_points",
            "a_top_share",
            "b_next_share",
            "downgrade_after_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        method, _sep, q = (self.instance.thresholds or "mean").partition(":")
        self.fields["thresholds_method"].initial = method
        self.fields["thresholds_q"].initial = q or None
        self.order_fields(["thresholds_method", "thresholds_q"])

    def clean_tier_basis(self):
        basis = self.cleaned_data["tier_basis"]
        # The model refuses points itself once it has its own clean(); until then the
        # form says why (there is no points ledger to grade by yet).
        own_clean = type(self.instance).clean is not models.Model.clean
        if basis == GradingSettings.TierBasis.POINTS and not own_clean:
            raise forms.ValidationError(
                _("Tiers by points are not available yet: there is no points ledger.")
            )
        return basis

    def clean(self):
        data = super().clean()
        method, q = data.get("thresholds_method"), data.get("thresholds_q")
        if method == "quantile":
            if q is None and "thresholds_q" not in self.errors:
                self.add_error("thresholds_q", _("The quantile method needs Q."))
            elif q is not None:
                data["thresholds"] = f"quantile:{q.normalize()}"
        elif method:
            data["thresholds"] = method
        a_share, b_share = data.get("a_top_share"), data.get("b_next_share")
        if None not in (a_share, b_share) and a_share + b_share > 1:
            self.add_error("b_next_share", _("Shares of A and B together must not exceed 1."))
        svip, a, b = (data.get(k) for k in ("svip_min_spend", "a_min_spend", "b_min_spend"))
        if None not in (svip, a, b) and not svip > a > b:
            raise forms.ValidationError(
                _("Spend thresholds must fall from SVIP to A to B: SVIP > A > B.")
            )
        return data

    def changes(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["thresholds"] = self.cleaned_data["thresholds"]
        return values


BAND_ATTRIBUTES = [
    ("recency_days", gettext_lazy("Days since last visit")),
    ("frequency", gettext_lazy("Visits")),
    ("monetary", gettext_lazy("Spend")),
    ("score", gettext_lazy("Composite score")),
]
BOUND_MAX = Decimal("1000000000000")


class BandRuleForm(forms.Form):
    """One class: its code, name and the bounds a customer must meet (from inclusive,
    below exclusive)."""

    code = forms.CharField(
        label=gettext_lazy("Class code"), max_length=30, widget=forms.TextInput(attrs={"size": 6})
    )
    name = forms.CharField(
        label=gettext_lazy("Class name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"size": 10}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for attribute, label in BAND_ATTRIBUTES:
            for end, end_label in (("min", _("from")), ("max", _("below"))):
                self.fields[f"{attribute}_{end}"] = forms.DecimalField(
                    label=f"{label} {end_label}",
                    required=False,
                    min_value=0,
                    max_value=BOUND_MAX,
                    decimal_places=2,
                )

    @classmethod
    def initial_from(cls, rule: dict) -> dict:
        initial = {"code": rule.get("code", ""), "name": rule.get("name", "")}
        for attribute, bound in (rule.get("bounds") or {}).items():
            for end in ("min", "max"):
                if end in bound:
                    initial[f"{attribute}_{end}"] = bound[end]
        return initial

    def clean(self):
        data = super().clean()
        bounds = {}
        for attribute, label in BAND_ATTRIBUTES:
            low, high = data.get(f"{attribute}_min"), data.get(f"{attribute}_max")
            if low is not None and high is not None and low >= high:
                raise forms.ValidationError(
                    _("%(attribute)s: the lower bound must be below the upper bound.")
                    % {"attribute": label}
                )
            bound = {e: _number(v) for e, v in (("min", low), ("max", high)) if v is not None}
            if bound:
                bounds[attribute] = bound
        if data.get("code") and not bounds and not self.errors:
            raise forms.ValidationError(_("Give the class at least one bound."))
        data["rule"] = {"code": data.get("code"), "name": data.get("name", ""), "bounds": bounds}
        return data


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class BaseBandRuleFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        codes = [f.cleaned_data["code"] for f in self.kept_forms()]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise forms.ValidationError(
                _("Each class needs its own code: %(codes)s repeated.")
                % {"codes": ", ".join(repeated)}
            )

    def kept_forms(self):
        """Filled rows not marked for deletion, in the order the user gave (rows without
        an order number keep their place after the numbered ones)."""
        kept = [
            f
            for f in self.forms
            if f.cleaned_data.get("code") and not f.cleaned_data.get("DELETE", False)
        ]
        return sorted(
            kept,
            key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0),
        )

    def rules(self) -> list[dict]:
        return [f.cleaned_data["rule"] for f in self.kept_forms()]


BandRuleFormSet = forms.formset_factory(
    BandRuleForm,
    formset=BaseBandRuleFormSet,
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=30,
    validate_max=True,
    absolute_max=60,
)


SCORE_FEATURES = [
    ("recency_days", gettext_lazy("Recency (R)")),
    ("frequency", gettext_lazy("Frequency (F)")),
    ("monetary", gettext_lazy("Monetary (M)")),
]
SAATY_SCALE = [f"1/{n}" for n in range(9, 1, -1)] + [str(n) for n in range(1, 10)]


def _scale_value(text: str) -> float:
    return 1 / int(text[2:]) if text.startswith("1/") else float(text)


class ScoreWeightsForm(forms.Form):
    """Composite score weights, typed directly or derived from pairwise comparisons
    (AHP); a comparison matrix with a consistency ratio of 0.1 or more is refused."""

    MODES = [
        ("direct", gettext_lazy("Enter the weights")),
        ("ahp", gettext_lazy("Compare in pairs (AHP)")),
    ]
    mode = forms.ChoiceField(
        label=gettext_lazy("How"), choices=MODES, widget=forms.RadioSelect, initial="direct"
    )

    def __init__(self, *args, weights: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for feature, label in SCORE_FEATURES:
            self.fields[f"w_{feature}"] = forms.DecimalField(
                label=label,
                required=False,
                min_value=0,
                max_value=1000,
                decimal_places=4,
                initial=weights.get(feature, 0),
            )
        self.pairs = [
            (a, b, la, lb)
            for i, (a, la) in enumerate(SCORE_FEATURES)
            for (b, lb) in SCORE_FEATURES[i + 1 :]
        ]
        for a, b, la, lb in self.pairs:
            self.fields[f"ahp_{a}__{b}"] = forms.ChoiceField(
                label=_("%(a)s compared with %(b)s") % {"a": la, "b": lb},
                choices=[(v, v) for v in SAATY_SCALE],
                initial="1",
                required=False,
            )
        self.ahp_result = None

    def weight_fields(self):
        return [self[f"w_{f}"] for f, _label in SCORE_FEATURES]

    def ahp_fields(self):
        return [self[f"ahp_{a}__{b}"] for a, b, _la, _lb in self.pairs]

    def clean(self):
        data = super().clean()
        if data.get("mode") == "ahp":
            upper = [_scale_value(data.get(f"ahp_{a}__{b}") or "1") for a, b, *_ in self.pairs]
            self.ahp_result = ahp(pairwise_matrix(upper, len(SCORE_FEATURES)))
            if not self.ahp_result.consistent:
                raise forms.ValidationError(
                    _(
                        "The comparisons contradict each other: consistency ratio CR = "
                        "%(cr).3f, it must be below %(limit)s. Revise the judgements."
                    )
                    % {"cr": self.ahp_result.cr, "limit": CR_LIMIT}
                )
            data["weights"] = {
                f: round(w, 4)
                for (f, _label), w in zip(SCORE_FEATURES, self.ahp_result.weights, strict=True)
            }
        elif data.get("mode") == "direct":
            weights = {}
            for feature, _label in SCORE_FEATURES:
                value = data.get(f"w_{feature}")
                if value is None and f"w_{feature}" not in self.errors:
                    self.add_error(f"w_{feature}", _("Give a weight (0 for none)."))
                weights[feature] = _number(value) if value is not None else None
            if self.errors:
                return data
            if sum(weights.values()) <= 0:
                raise forms.ValidationError(_("At least one weight must be above 0."))
            data["weights"] = weights
        return data


# ---------------------------------------------------------------- outreach


class OutreachSettingsForm(forms.ModelForm):
    BOUNDS = {
        "consultant_daily_quota": 1000,
        "caller_daily_quota": 1000,
        "next_day_appointment_target": 1000,
        "cool_off_days": DAYS_MAX,
        "unreachable_retry_days": DAYS_MAX,
        "unreachable_max_retries": 100,
        "interested_next_days": DAYS_MAX,
        "declined_next_days": DAYS_MAX,
        "contact_cap": 1000,
        "capped_interval_days": DAYS_MAX,
        "survey_target_percent": 100,
        "call_team_daily_quota": 1000,
    }

    class Meta:
        model = OutreachSettings
        fields = [
            "consultant_daily_quota",
            "caller_daily_quota",
            "next_day_appointment_target",
            "cool_off_days",
            "unreachable_retry_days",
            "unreachable_max_retries",
            "interested_next_days",
            "declined_next_days",
            "contact_cap",
            "capped_interval_days",
            "survey_target_percent",
            "call_without_consent",
            "call_team_daily_quota",
            "winback_offer_price",
            "winback_offer_service",
            "winback_offer_other",
        ]
        widgets = {
            "winback_offer_price": forms.Textarea(attrs={"rows": 2}),
            "winback_offer_service": forms.Textarea(attrs={"rows": 2}),
            "winback_offer_other": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, top in self.BOUNDS.items():
            self.fields[name] = bounded_int(self.fields[name], top)
        for name in ("winback_offer_price", "winback_offer_service", "winback_offer_other"):
            self.fields[name].max_length = 2000
            self.fields[name].validators.append(MaxLengthValidator(2000))

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StaffQuotaForm(forms.Form):
    """Calls per day for each consultant and caller; empty: the role's default."""

    def __init__(self, *args, staff_list, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_list = list(staff_list)
        for person in self.staff_list:
            self.fields[f"quota_{person.pk}"] = forms.IntegerField(
                label=str(person),
                required=False,
                min_value=0,
                max_value=1000,
                initial=person.daily_call_quota,
            )

    def rows(self):
        return [(person, self[f"quota_{person.pk}"]) for person in self.staff_list]

    def changes(self) -> list[tuple]:
        """(staff, new quota) for the people whose quota differs."""
        return [
            (person, self.cleaned_data[f"quota_{person.pk}"])
            for person in self.staff_list
            if self.cleaned_data[f"quota_{person.pk}"] != person.daily_call_quota
        ]


# ---------------------------------------------------------------- cadences, strategies


def _days(text: str) -> list[int]:
    try:
        days = sorted({int(p) for p in text.split(",") if p.strip()})
    except ValueError:
        raise forms.ValidationError(_("Days are whole numbers separated by commas.")) from None
    if days and (days[0] < 0 or days[-1] > DAYS_MAX):
        raise forms.ValidationError(_("Give days between 0 and 3650."))
    return days


class CadenceForm(forms.ModelForm):
    days_text = forms.CharField(
        label=gettext_lazy("Days"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Comma separated, e.g. 1, 3, 5. Days of each month: empty means the anchor's "
            "own day of the month."
        ),
    )

    class Meta:
        model = Cadence
        fields = ["name", "kind", "start_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days_text"].initial = ", ".join(str(d) for d in self.instance.days or [])
        self.fields["start_months"] = bounded_int(self.fields["start_months"], 24)

    def clean_days_text(self):
        return _days(self.cleaned_data["days_text"])

    def clean(self):
        data = super().clean()
        if data.get("kind") == Cadence.Kind.OFFSETS and data.get("days_text") == []:
            self.add_error("days_text", _("Give at least one day between 0 and 3650."))
        return data

    def changes(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "kind": self.cleaned_data["kind"],
            "start_months": self.cleaned_data["start_months"],
            "days": self.cleaned_data["days_text"],
        }


class NewCadenceForm(CadenceForm):
    PURPOSES = [
        ("intent_1", gettext_lazy("After intent level 1")),
        ("intent_2", gettext_lazy("After intent level 2")),
        ("intent_3", gettext_lazy("After intent level 3")),
        ("revisit", gettext_lazy("Post-treatment revisit")),
    ]
    purpose = forms.ChoiceField(label=gettext_lazy("When it applies"), choices=PURPOSES)
    category = forms.CharField(
        label=gettext_lazy("Item category"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("For a post-treatment revisit: the category of the item done."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.order_fields(["purpose", "category"])

    def clean(self):
        data = super().clean()
        purpose = data.get("purpose")
        if purpose == "revisit":
            category = (data.get("category") or "").strip()
            if not category:
                self.add_error("category", _("Name the item category."))
                return data
            data["key"] = f"revisit:{category}"
        elif purpose:
            data["key"] = purpose
        key = data.get("key")
        if key and Cadence.objects.filter(organization=self.organization, key=key).exists():
            raise forms.ValidationError(
                _("There is already a cadence for %(key)s.") % {"key": cadence_key_label(key)}
            )
        return data

    def changes(self) -> dict:
        return {**super().changes(), "key": self.cleaned_data["key"]}
