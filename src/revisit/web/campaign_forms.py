"""The campaign form: name, dates, targets (segments, tiers, item categories), the
campaign's offer, and per target the offer, invitation type and script that replace the
strategy's while it runs."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.customers.models import Tier
from revisit.grading.models import Segment
from revisit.outreach.models import Campaign, InvitationType
from revisit.outreach.scripts import check_script
from revisit.sales.models import Item
from revisit.web.forms import DATE

SEGMENTS = [(s.value, s.label) for s in Segment if s != Segment.NONE]
TIERS = list(Tier.choices)
TEXT_MAX = 2000


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Campaign name"), max_length=100)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DATE)
    segments = forms.MultipleChoiceField(
        label=gettext_lazy("Segments"),
        choices=SEGMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tiers = forms.MultipleChoiceField(
        label=gettext_lazy("Tiers"),
        choices=TIERS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Item categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Customers who declined or could not be reached last time, and who bought an "
            "item of these categories, are invited again when it starts."
        ),
    )
    offer = forms.CharField(
        label=gettext_lazy("Offer"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organization, campaign: Campaign | None = None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(campaign)
        super().__init__(*args, **kwargs)
        categories = (
            Item.objects.filter(organization=organization)
            .exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.fields["categories"].choices = [(c, c) for c in categories]
        invitations = [("", "—"), *InvitationType.choices]
        self.targets = [*TIERS, *SEGMENTS]
        for code, _label in self.targets:
            self.fields[f"offer_{code}"] = forms.CharField(
                required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 1})
            )
            self.fields[f"invitation_{code}"] = forms.ChoiceField(
                required=False, choices=invitations
            )
            self.fields[f"script_{code}"] = forms.CharField(
                required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 1})
            )

    @staticmethod
    def initial_from(campaign: Campaign) -> dict:
        initial = {f: getattr(campaign, f) for f in ("name", "starts_on", "ends_on", "offer")}
        initial.update(segments=campaign.segments, tiers=campaign.tiers)
        initial["categories"] = campaign.categories
        for code, values in (campaign.overrides or {}).items():
            initial[f"offer_{code}"] = values.get("offer", "")
            initial[f"invitation_{code}"] = values.get("invitation_type", "")
            initial[f"script_{code}"] = values.get("script", "")
        return initial

    def override_rows(self):
        """(code, label, offer field, invitation field, script field) per target."""
        return [
            (code, label, self[f"offer_{code}"], self[f"invitation_{code}"], self[f"script_{code}"])
            for code, label in self.targets
        ]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        if not (data.get("segments") or data.get("tiers") or data.get("categories")):
            raise forms.ValidationError(_("Choose at least one segment, tier or item category."))
        for code, label in self.targets:
            script = data.get(f"script_{code}") or ""
            try:
                check_script(script)
            except ValueError as exc:
                self.add_error(f"script_{code}", f"{label}: {exc}")
        return data

    def values(self) -> dict:
        """The campaign's fields as the services take them."""
        data = self.cleaned_data
        overrides = {}
        for code, _label in self.targets:
            row = {
                "offer": data.get(f"offer_{code}", "").strip(),
                "invitation_type": data.get(f"invitation_{code}", ""),
                "script": data.get(f"script_{code}", "").strip(),
            }
            row = {k: v for k, v in row.items() if v}
            if row:
                overrides[code] = row
        return {
            "name": data["name"].strip(),
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "segments": list(data["segments"]),
            "tiers": list(data["tiers"]),
            "categories": list(data["categories"]),
            "offer": data["offer"].strip(),
            "overrides": overrides,
        }
