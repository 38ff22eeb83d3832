"""Forms of the customer card: they parse what people type; revisit.customers.cards
checks the rules (duplicates, the channel lock, scope of store and owner)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from revisit.core.access import may_see_health
from revisit.core.models import Store
from revisit.customers.cards import (
    HEALTH_FIELDS,
    NOTE_LIMIT,
    REASON_LIMIT,
    TEXT_LIMITS,
    card_owners,
    card_stores,
    referrer_lookup,
)
from revisit.customers.emails import EMAIL_MAX, OPENID_MAX
from revisit.customers.models import (
    Channel,
    Gender,
    MaritalStatus,
    Occupation,
    RiskFlag,
    Satisfaction,
)
from revisit.customers.psychology import psychology_types
from revisit.web.forms import DATE

AREA = forms.Textarea(attrs={"rows": 2, "cols": 40})
PHONE_INPUT_LIMIT = 40
# What the card services check (an address is at most EMAIL_MAX); more is refused here.
EMAIL_INPUT_LIMIT = EMAIL_MAX + 20


def _text(label, limit, *, area=False, required=False):
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=AREA if area else None
    )


class CardForm(forms.Form):
    """Create (creating=True) or edit a card. Health fields appear for a role that may read
    them, and at creation (the desk writes what she is told, without reading it back).
    Once set, channel and referrer are shown but not editable."""

    name = _text(_("Name"), TEXT_LIMITS["name"], required=True)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.FEMALE)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=DATE)
    birthday_is_lunar = forms.BooleanField(label=_("Lunar birthday"), required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=PHONE_INPUT_LIMIT)
    mobile2 = forms.CharField(
        label=_("Second contact"), max_length=PHONE_INPUT_LIMIT, required=False
    )
    wechat_id = _text(_("WeChat ID"), TEXT_LIMITS["wechat_id"])
    email = forms.CharField(label=_("Email address"), max_length=EMAIL_INPUT_LIMIT, required=False)
    wechat_openid = forms.CharField(
        label=_("WeChat recipient id"),
        max_length=OPENID_MAX,
        required=False,
        help_text=_("openid or WeCom external contact id, for WeChat messages"),
    )
    address = _text(_("Address (for mailed cards)"), TEXT_LIMITS["address"])
    occupation = _text(_("Occupation"), TEXT_LIMITS["occupation"])
    occupation_group = forms.ChoiceField(
        label=_("Occupation group (holiday greetings)"),
        choices=Occupation.choices,
        required=False,
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=MaritalStatus.choices, required=False
    )
    wedding_anniversary = forms.DateField(
        label=_("Wedding anniversary"), required=False, widget=DATE
    )
    channel = forms.ChoiceField(
        label=_("How she heard of us"), choices=[("", "—"), *Channel.choices], required=False
    )
    referrer = forms.CharField(
        label=_("Referred by (customer code or mobile)"), max_length=64, required=False
    )
    first_visit = forms.DateField(label=_("First visit"), required=False, widget=DATE)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    home_store = forms.ModelChoiceField(label=_("Home store"), queryset=None)
    care_focus = _text(_("Care focus"), TEXT_LIMITS["care_focus"], area=True)
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=Satisfaction.choices, required=False
    )
    potential_needs = _text(_("Potential needs"), TEXT_LIMITS["potential_needs"], area=True)
    psychology_type = forms.ModelChoiceField(
        label=_("Psychology type"), queryset=None, required=False
    )
    risk_flags = forms.MultipleChoiceField(
        label=_("Risk flags"),
        choices=RiskFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    health_notes = _text(_("Skin and health notes"), TEXT_LIMITS["health_notes"], area=True)
    allergies = _text(_("Allergies"), TEXT_LIMITS["allergies"], area=True)
    medical_history = _text(_("Medical history"), TEXT_LIMITS["medical_history"], area=True)
    tags = forms.CharField(label=_("Tags (separated by commas)"), max_length=1100, required=False)

    def __init__(self, *args, staff, visible, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff, self.visible, self.customer = staff, visible, customer
        stores = card_stores(staff)
        if customer is not None and customer.home_store_id:
            # Her store stays choosable for whoever may edit her (an owner elsewhere).
            stores = (stores | Store.objects.filter(pk=customer.home_store_id)).distinct()
        self.fields["home_store"].queryset = stores
        if customer is None:
            only = list(stores[:2])
            if len(only) == 1:
                self.fields["home_store"].initial = only[0].pk
        self.fields["psychology_type"].queryset = psychology_types(staff.organization)
        if customer is None:
            self.fields["owner"].queryset = card_owners(staff)
        else:
            # The owner changes with a reason (its own form); tags from the page's tag box.
            del self.fields["owner"], self.fields["tags"]
            if not may_see_health(staff):
                for name in HEALTH_FIELDS:
                    del self.fields[name]
            for name in ("channel", "referrer"):
                if getattr(customer, name):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Set; an administrator corrects it.")

    @classmethod
    def initial_for(cls, customer) -> dict:
        values = {
            name: getattr(customer, name)
            for name in cls.base_fields
            if name not in ("owner", "tags", "referrer", "mobile", "mobile2")
        }
        values["mobile"] = customer.mobile.removeprefix("+86")
        values["mobile2"] = customer.mobile2.removeprefix("+86")
        values["referrer"] = customer.referrer.code if customer.referrer else ""
        values["psychology_type"] = customer.psychology_type_id
        values["home_store"] = customer.home_store_id
        return values

    def values(self) -> dict:
        """What the card services take, from the valid form; raises CardError when the
        referrer names nobody `staff` can see."""
        d = self.cleaned_data
        skip = {"owner", "tags", "referrer"} | {n for n in self.fields if self.fields[n].disabled}
        values = {name: d[name] for name in self.fields if name not in skip}
        if "referrer" not in skip:
            values["referrer"] = referrer_lookup(self.visible, d["referrer"])
        return values

    def tag_names(self) -> list[str]:
        return [t for t in (self.cleaned_data.get("tags") or "").replace("，", ",").split(",")]


class CorrectionForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How she heard of us"), choices=[("", "—"), *Channel.choices], required=False
    )
    referrer = forms.CharField(
        label=_("Referred by (customer code or mobile)"), max_length=64, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=REASON_LIMIT)


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_LIMIT)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=NOTE_LIMIT, widget=AREA)


class TagsForm(forms.Form):
    tags = forms.CharField(label=_("Tags (separated by commas)"), max_length=1100, required=False)

    def names(self) -> list[str]:
        return self.cleaned_data["tags"].replace("，", ",").split(",")
