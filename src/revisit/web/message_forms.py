"""Forms of the messaging pages: templates, messaging settings, outbox filter, send."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.messaging.campaign_models import MessageCampaign
from revisit.messaging.models import (
    SENDABLE_CHANNELS,
    Message,
    MessageChannel,
    MessageTemplate,
    MessagingSettings,
)
from revisit.messaging.rendering import TemplateError, parse
from revisit.messaging.services import SETTINGS_FIELDS, TEMPLATE_FIELDS


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = TEMPLATE_FIELDS
        widgets = {
            "body": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "body_non_member": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        for name in ("body", "body_non_member", "subject", "channel", "purpose"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": reverse("message_template_preview"),
                    "hx-trigger": "change"
                    if name in ("channel", "purpose")
                    else "input changed delay:300ms",
                    "hx-target": "#preview",
                    "hx-include": "closest form",
                }
            )

    def _clean_text(self, name):
        value = self.cleaned_data.get(name, "")
        try:
            parse(value)
        except TemplateError as error:
            raise forms.ValidationError(str(error)) from None
        return value

    def clean_body(self):
        return self._clean_text("body")

    def clean_body_non_member(self):
        return self._clean_text("body_non_member")

    def clean_subject(self):
        return self._clean_text("subject")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = MessageTemplate.objects.filter(organization=self.organization, name=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This name is in the list already."))
        return name

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MessagingSettingsForm(forms.ModelForm):
    class Meta:
        model = MessagingSettings
        fields = SETTINGS_FIELDS
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["daily_cap"].widget.attrs["max"] = 10_000_000
        self.fields["campaign_approval_threshold"].widget.attrs["max"] = 10_000_000

    def clean_daily_cap(self):
        value = self.cleaned_data["daily_cap"]
        if value > 10_000_000:
            raise forms.ValidationError(_("At most %(max)s.") % {"max": 10_000_000})
        return value

    def clean_campaign_approval_threshold(self):
        value = self.cleaned_data["campaign_approval_threshold"]
        if value > 10_000_000:
            raise forms.ValidationError(_("At most %(max)s.") % {"max": 10_000_000})
        return value

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OutboxFilter(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Sending channel"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("Until"), required=False)

    def __init__(self, data=None):
        super().__init__(data)
        blank = [("", "—")]
        self.fields["status"].choices = blank + list(Message.Status.choices)
        self.fields["channel"].choices = blank + [
            c for c in MessageChannel.choices if c[0] in SENDABLE_CHANNELS
        ]
        for name in ("since", "until"):
            self.fields[name].widget.input_type = "date"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class SendForm(forms.Form):
    """A message campaign (群发): a template to the customers of the customer list's
    filter (see CustomerFilter), members or not, under a name for its report."""

    name = forms.CharField(
        label=gettext_lazy("Name of the send"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Empty: the template's name and today's date."),
    )
    template = forms.ModelChoiceField(label=gettext_lazy("Template"), queryset=None)
    membership = forms.ChoiceField(
        label=gettext_lazy("Members"), required=False, choices=MessageCampaign.Membership.choices
    )
    date = forms.CharField(
        label=gettext_lazy("Value of {date}"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("For templates that name a date, e.g. 5月1日."),
    )

    def __init__(self, data=None, *, organization, initial=None):
        super().__init__(data, initial=initial)
        self.fields["template"].queryset = MessageTemplate.objects.filter(
            organization=organization, is_active=True, channel__in=list(SENDABLE_CHANNELS)
        )


class CampaignTestForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("Your mobile number or email"), required=False, max_length=60
    )


class CampaignDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))]
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)
