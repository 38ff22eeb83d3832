"""Forms of the journeys matrix: a journey's timing and its action rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from revisit.journeys.models import TIER_CHOICES, ActionKind, Journey, Membership
from revisit.journeys.services import MAX_ACTIONS, MAX_DAYS
from revisit.messaging.models import MessageChannel, MessageTemplate
from revisit.web.forms import DATE


class JourneyForm(forms.ModelForm):
    class Meta:
        model = Journey
        fields = ["name", "is_active", "days", "send_at", "event_on", "season_days"]
        widgets = {
            "event_on": DATE,
            "send_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].max_value = MAX_DAYS
        self.fields["days"].widget.attrs.update(min=0, max=MAX_DAYS)
        journey = self.instance
        if journey.trigger != "event":
            del self.fields["event_on"]
        if journey.trigger != "new_season":
            del self.fields["season_days"]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Action"), choices=[("", "—"), *ActionKind.choices], required=False
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=TIER_CHOICES, required=False)
    membership = forms.ChoiceField(
        label=_("Membership"), choices=Membership.choices, initial=Membership.MEMBER
    )
    template = forms.ModelChoiceField(
        label=_("Message template"), queryset=MessageTemplate.objects.none(), required=False
    )
    task = forms.CharField(label=_("Task"), max_length=100, required=False)
    due_days = forms.IntegerField(
        label=_("Task due after days"), min_value=0, max_value=MAX_DAYS, initial=0, required=False
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(
            organization=organization, is_active=True
        ).exclude(channel=MessageChannel.PHONE)


ActionFormSet = forms.formset_factory(
    ActionForm, extra=2, can_delete=True, max_num=MAX_ACTIONS, absolute_max=MAX_ACTIONS + 10
)


def action_rows(formset) -> list[dict]:
    """The filled rows of a valid formset (rows without an action or marked for deletion
    are left out)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data.get("kind"):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows


class PreviewDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
