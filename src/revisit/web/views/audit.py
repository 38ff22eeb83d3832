"""The audit log for the organization's admin: who did what to whom, filtered, as xlsx."""

from datetime import datetime, time, timedelta

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.core.access import visible_audit_events, visible_customers
from revisit.core.audit import ACTION_LABELS, DETAIL_LABELS, action_label
from revisit.core.models import Role
from revisit.customers.models import MarketingConsent
from revisit.outreach.models import Outcome
from revisit.web import permissions as perm
from revisit.web.exports import wants_xlsx, xlsx_response

PAGE_SIZE = 100
MAX_PAGE = 100_000
EXPORT_LIMIT = 100_000
CUSTOMER = "customers.customer"


class AuditFilter(forms.Form):
    actor = forms.TypedChoiceField(
        label=gettext_lazy("Who"), required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    customer = forms.CharField(label=gettext_lazy("Customer code"), required=False, max_length=64)
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("Until"), required=False)

    def __init__(self, data, *, staff):
        super().__init__(data)
        blank = [("", "—")]
        self.fields["actor"].choices = blank + [
            (s.pk, str(s)) for s in staff.organization.staff.order_by("display_name", "username")
        ]
        self.fields["action"].choices = blank + sorted(
            ((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1]
        )
        for name in ("since", "until"):
            self.fields[name].widget.input_type = "date"
        self.staff = staff

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def events(self):
        events = visible_audit_events(self.staff)
        if not self.is_valid():
            return events.none()
        d = self.cleaned_data
        if d.get("actor"):
            events = events.filter(actor_id=d["actor"])
        if d.get("action"):
            events = events.filter(action=d["action"])
        if d.get("customer"):
            customer = visible_customers(self.staff).filter(code=d["customer"].strip()).first()
            if customer is None:
                return events.none()
            events = events.filter(target_type=CUSTOMER, target_id=str(customer.pk))
        tz = timezone.get_current_timezone()
        if d.get("since"):
            events = events.filter(created_at__gte=datetime.combine(d["since"], time(), tz))
        if d.get("until"):
            end = datetime.combine(d["until"] + timedelta(days=1), time(), tz)
            events = events.filter(created_at__lt=end)
        return events


# Details whose values are codes, shown by their labels.
VALUE_LABELS = {
    "role": dict(Role.choices),
    "outcome": dict(Outcome.choices),
    "channel": dict(MarketingConsent.Channel.choices),
    "via": {"page": gettext_lazy("page"), "api": gettext_lazy("API")},
}


def _details(data: dict) -> str:
    """The details a person can read, with their labels (no codes)."""
    parts = []
    for key, label in DETAIL_LABELS.items():
        if key in data and data[key] not in (None, "", [], {}):
            value = data[key]
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            elif key in VALUE_LABELS:
                value = VALUE_LABELS[key].get(value, "—")
            parts.append(f"{label}: {value}")
    return "; ".join(parts)


def _rows(events, staff):
    customer_ids = [int(e.target_id) for e in events if e.target_type == CUSTOMER]
    customers = {
        c.pk: c for c in visible_customers(staff).filter(pk__in=customer_ids).only("code", "name")
    }
    for e in events:
        e.label = action_label(e.action)
        e.customer = customers.get(int(e.target_id)) if e.target_type == CUSTOMER else None
        e.details = _details(e.data or {})
    return events


@perm.require_roles(perm.AUDIT_ROLES)
def audit_log(request):
    form = AuditFilter(request.GET or None, staff=request.user)
    events = (
        (form.events() if form.is_bound else visible_audit_events(request.user))
        .order_by("-created_at", "-id")
        .select_related("actor")
    )
    if wants_xlsx(request):
        rows = _rows(list(events[:EXPORT_LIMIT]), request.user)
        return xlsx_response(
            request,
            name="audit",
            header=[_("Time"), _("Who"), _("What"), _("Customer"), _("Details")],
            rows=(
                [
                    timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    str(e.actor or ""),
                    e.label,
                    f"{e.customer.code} {e.customer.name}".strip() if e.customer else "",
                    e.details,
                ]
                for e in rows
            ),
        )
    try:
        page = min(MAX_PAGE, max(1, int(request.GET.get("page", 1))))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    rows = _rows(list(events[start : start + PAGE_SIZE + 1]), request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit/list.html",
        {
            "form": form,
            "events": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )
