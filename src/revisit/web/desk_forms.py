"""Forms of the desk pages: booking, rescheduling, walk-ins, consultations, the roster."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy

from revisit.appointments.access import store_staff
from revisit.appointments.models import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    Consultation,
    DeskSettings,
    NoDealReason,
    Room,
    Shift,
)
from revisit.core.clock import org_zone
from revisit.core.models import Role
from revisit.sales.models import Item
from revisit.web.params import FIRST_DAY, LAST_DAY


class DayField(forms.DateField):
    def __init__(self, **kwargs):
        super().__init__(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": gettext_lazy("Write the date as YYYY-MM-DD.")},
            **kwargs,
        )

    def clean(self, value):
        day = super().clean(value)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(gettext_lazy("This date is out of range."))
        return day


class TimeOfDayField(forms.TimeField):
    def __init__(self, **kwargs):
        super().__init__(
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            error_messages={"invalid": gettext_lazy("Write the time as HH:MM.")},
            **kwargs,
        )


class _StoreForm(forms.Form):
    """A form whose choices come from one store."""

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.zone = org_zone(store.organization)
        if "practitioner" in self.fields:
            self.fields["practitioner"].queryset = store_staff(store, Role.PRACTITIONER)
        if "room" in self.fields:
            self.fields["room"].queryset = Room.objects.filter(store=store)
        if "item" in self.fields:
            self.fields["item"].queryset = Item.objects.filter(
                organization_id=store.organization_id
            ).order_by("category", "name")

    def moment(self, day_field="day", time_field="time") -> datetime | None:
        day, at = self.cleaned_data.get(day_field), self.cleaned_data.get(time_field)
        if day is None or at is None:
            return None
        return datetime.combine(day, at, tzinfo=self.zone)


class BookingForm(_StoreForm):
    customer = forms.CharField(
        label=gettext_lazy("Customer (code, mobile or last 4 digits)"), max_length=40
    )
    day = DayField(label=gettext_lazy("Date"))
    time = TimeOfDayField(label=gettext_lazy("Time"))
    duration = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"),
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        initial=60,
    )
    practitioner = forms.ModelChoiceField(
        queryset=None, required=False, label=gettext_lazy("Practitioner")
    )
    room = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Room"))
    item = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Item"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class RescheduleForm(_StoreForm):
    day = DayField(label=gettext_lazy("Date"))
    time = TimeOfDayField(label=gettext_lazy("Time"))
    duration = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"),
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
    )
    practitioner = forms.ModelChoiceField(
        queryset=None, required=False, label=gettext_lazy("Practitioner")
    )
    room = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Room"))


class ConsultationForm(_StoreForm):
    consultant = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Consultant"))
    item = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=gettext_lazy("Items discussed")
    )
    topics = forms.CharField(label=gettext_lazy("Discussed"), max_length=300, required=False)
    quoted_price = forms.DecimalField(
        label=gettext_lazy("Quoted price"),
        required=False,
        min_value=0,
        max_value=99_999_999,
        max_digits=12,
        decimal_places=2,
    )
    result = forms.ChoiceField(
        label=gettext_lazy("Result"), choices=Consultation.Result.choices, widget=forms.RadioSelect
    )
    no_deal_reason = forms.ChoiceField(
        label=gettext_lazy("Reason (no deal)"),
        choices=[("", "—"), *NoDealReason.choices],
        required=False,
    )
    order = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Order"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = store_staff(self.store, Role.CONSULTANT)
        self.fields["order"].queryset = orders


class ShiftForm(_StoreForm):
    practitioner = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Practitioner"))
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekday"), choices=Shift.Weekday.choices, coerce=int
    )
    starts = TimeOfDayField(label=gettext_lazy("From"))
    ends = TimeOfDayField(label=gettext_lazy("To"))


class LeaveForm(_StoreForm):
    practitioner = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Practitioner"))
    from_day = DayField(label=gettext_lazy("From date"))
    from_time = TimeOfDayField(label=gettext_lazy("From"))
    to_day = DayField(label=gettext_lazy("To date"))
    to_time = TimeOfDayField(label=gettext_lazy("To"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


class RoomForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Room or chair"), max_length=50)


class DeskSettingsForm(forms.Form):
    wait_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes of waiting before another consultant is proposed"),
        min_value=1,
        max_value=600,
    )
    owner_rule = forms.ChoiceField(
        label=gettext_lazy("Owner when another consultant receives"),
        choices=DeskSettings.OwnerRule.choices,
    )


class TreatmentNoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Post-treatment note"), max_length=2000, widget=forms.Textarea
    )
