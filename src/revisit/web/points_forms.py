"""The points and membership settings form (seed 003): earn rules, expiry, cash-back,
the formal-member threshold. Every number is bounded and every list parsed with a
message, so hostile input is a form error, never a database error."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.customers.models import Tier
from revisit.wallet.points_models import PointsSettings

MULTIPLIER_MAX = Decimal("100")
LIST_MAX = 200  # categories in a list
TEXT_MAX = 5000


def _label(name: str):
    return capfirst(PointsSettings._meta.get_field(name).verbose_name)


def _multiplier(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        raise forms.ValidationError(
            _("%(where)s: %(value)s is not a number.") % {"where": where, "value": text[:30]}
        ) from None
    if not value.is_finite() or value < 0 or value > MULTIPLIER_MAX:
        raise forms.ValidationError(
            _("%(where)s: a rate must be between 0 and %(max)s.")
            % {"where": where, "max": MULTIPLIER_MAX}
        )
    return value.quantize(Decimal("0.001")).normalize()


def _multiplier_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=MULTIPLIER_MAX,
        max_digits=7,
        decimal_places=3,
        help_text=gettext_lazy("Empty: 1."),
    )


class PointsSettingsForm(forms.ModelForm):
    category_rates_text = forms.CharField(
        label=_label("category_rates"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: category=rate, e.g. 正装=1.5"),
    )
    excluded_categories_text = forms.CharField(
        label=_label("excluded_categories"),
        required=False,
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Separated by commas, e.g. 特价, 赠品"),
    )

    class Meta:
        model = PointsSettings
        fields = [
            "enabled",
            "points_per_yuan",
            "earn_from",
            "exclude_promo",
            "expire_after_years",
            "cashback_every_points",
            "cashback_amount",
            "membership_threshold",
            "card_ready_days",
            "card_prefix",
        ]
        widgets = {"earn_from": forms.DateInput(attrs={"type": "date"})}

    BOUNDS = {
        "cashback_every_points": (1, 10_000_000),
        "membership_threshold": (0, 100_000_000),
        "card_ready_days": (0, 365),
        "expire_after_years": (0, 50),
    }

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        settings = self.instance
        for name, (low, top) in self.BOUNDS.items():
            field = self.fields[name]
            self.fields[name] = forms.IntegerField(
                label=field.label,
                help_text=field.help_text,
                required=field.required,
                min_value=low,
                max_value=top,
            )
        self.fields["points_per_yuan"] = forms.DecimalField(
            label=_label("points_per_yuan"),
            min_value=0,
            max_value=MULTIPLIER_MAX,
            max_digits=8,
            decimal_places=3,
        )
        self.fields["cashback_amount"] = forms.DecimalField(
            label=_label("cashback_amount"),
            min_value=0,
            max_value=Decimal("99999999"),
            max_digits=10,
            decimal_places=2,
        )
        self.fields["card_prefix"].help_text = gettext_lazy("Letters and digits only.")
        self.fields["category_rates_text"].initial = "\n".join(
            f"{k}={v}" for k, v in (settings.category_rates or {}).items()
        )
        self.fields["excluded_categories_text"].initial = ", ".join(
            settings.excluded_categories or []
        )
        tiers = settings.tier_multipliers or {}
        for tier in Tier:
            name = f"tier_{tier.value}"
            self.fields[name] = _multiplier_field(
                _("Multiplier for tier %(tier)s") % {"tier": tier.label}
            )
            self.fields[name].initial = tiers.get(tier.value)
        self.campaigns = list(campaigns)
        chosen = settings.campaign_multipliers or {}
        for campaign in self.campaigns:
            name = f"campaign_{campaign.pk}"
            self.fields[name] = _multiplier_field(
                _("Multiplier during campaign %(name)s (%(start)s – %(end)s)")
                % {"name": campaign.name, "start": campaign.starts_on, "end": campaign.ends_on}
            )
            self.fields[name].initial = chosen.get(str(campaign.pk))

    def clean_card_prefix(self):
        prefix = self.cleaned_data["card_prefix"].strip()
        if prefix and not (prefix.isascii() and prefix.isalnum()):
            raise forms.ValidationError(_("Letters and digits only."))
        return prefix

    def clean_category_rates_text(self):
        rates = {}
        lines = [ln.strip() for ln in self.cleaned_data["category_rates_text"].splitlines()]
        for number, line in enumerate((ln for ln in lines if ln), start=1):
            category, sep, rate = line.replace("＝", "=").partition("=")
            category = category.strip()
            where = _("Line %(n)s") % {"n": number}
            if not sep or not category or len(category) > 100:
                raise forms.ValidationError(
                    _("%(where)s: write category=rate, e.g. 正装=1.5") % {"where": where}
                )
            rates[category] = str(_multiplier(rate, where))
        if len(rates) > LIST_MAX:
            raise forms.ValidationError(_("Too many categories."))
        return rates

    def clean_excluded_categories_text(self):
        text = self.cleaned_data["excluded_categories_text"].replace("，", ",")
        names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
        if len(names) > LIST_MAX or any(len(n) > 100 for n in names):
            raise forms.ValidationError(_("Too many categories, or a name too long."))
        return names

    def changes(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["category_rates"] = self.cleaned_data["category_rates_text"]
        values["excluded_categories"] = self.cleaned_data["excluded_categories_text"]
        values["tier_multipliers"] = {
            tier.value: str(self.cleaned_data[f"tier_{tier.value}"].normalize())
            for tier in Tier
            if self.cleaned_data.get(f"tier_{tier.value}") is not None
        }
        campaigns = {
            str(c.pk): str(self.cleaned_data[f"campaign_{c.pk}"].normalize())
            for c in self.campaigns
            if self.cleaned_data.get(f"campaign_{c.pk}") is not None
        }
        # Campaigns not on the form (older ones) keep their multiplier.
        shown = {str(c.pk) for c in self.campaigns}
        kept = {
            k: v for k, v in (self.instance.campaign_multipliers or {}).items() if k not in shown
        }
        values["campaign_multipliers"] = {**kept, **campaigns}
        return values
