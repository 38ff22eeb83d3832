"""Forms of the cashier page (收银台) and of the top-up bonus settings. Every cashier form
carries a request key (a hidden field made when the form is drawn): sent twice, by a
double click or a reload, it posts once."""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy

from revisit.wallet.amounts import parse_amount
from revisit.wallet.gift_cards import MAX_CARD_NUMBER
from revisit.wallet.ledger import WalletError
from revisit.wallet.models import AccountKind
from revisit.web.desk_forms import DayField

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class AmountField(forms.CharField):
    """Yuan as typed ("1000", "¥1,000.50", full-width digits), at most two decimals."""

    def __init__(self, *, required=True, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Amount (yuan)"))
        super().__init__(
            required=required,
            max_length=30,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_amount(value)
        except WalletError as exc:
            raise forms.ValidationError(str(exc.message)) from None


class _KeyedForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(gettext_lazy("The form is damaged: reload the page."))
        return key


REASON = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False, strip=True)


class TopUpForm(_KeyedForm):
    amount = AmountField()
    reason = REASON


class SpendForm(_KeyedForm):
    account = forms.TypedChoiceField(label=gettext_lazy("From"), coerce=int)
    amount = AmountField()
    reason = REASON

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (a.pk, f"{a.get_kind_display()} {a.card_number} · {a.balance}") for a in accounts
        ]


class RefundForm(_KeyedForm):
    entry = forms.TypedChoiceField(label=gettext_lazy("Movement to refund"), coerce=int)
    amount = AmountField(
        required=False,
        help_text=gettext_lazy("Empty: all that may be refunded."),
    )
    reason = REASON

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [
            (e.pk, f"{e.created_at:%Y-%m-%d} {e.get_kind_display()} {abs(e.amount)}")
            for e in entries
        ]


class IssueCardForm(_KeyedForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Card"),
        choices=[
            (AccountKind.GIFT_CARD.value, AccountKind.GIFT_CARD.label),
            (AccountKind.FAMILY_CARD.value, AccountKind.FAMILY_CARD.label),
        ],
    )
    value = AmountField(label=gettext_lazy("Value (yuan)"))
    expires_on = DayField(label=gettext_lazy("Valid until"))
    card_number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=MAX_CARD_NUMBER,
        required=False,
        help_text=gettext_lazy("Empty: a number is made."),
    )
    reason = REASON


class RedeemCardForm(_KeyedForm):
    card_number = forms.CharField(label=gettext_lazy("Card number"), max_length=MAX_CARD_NUMBER)
    amount = AmountField(required=False, help_text=gettext_lazy("Empty: all that is left."))
    reason = REASON


class BonusRuleForm(forms.Form):
    threshold = AmountField(label=gettext_lazy("Top-up of at least (yuan)"), required=False)
    bonus = AmountField(label=gettext_lazy("Bonus (yuan)"), required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if (data.get("threshold") is None) != (data.get("bonus") is None):
            raise forms.ValidationError(gettext_lazy("Give both amounts, or neither."))
        return data


BonusRuleFormSet = forms.formset_factory(BonusRuleForm, extra=2, max_num=20, validate_max=True)
