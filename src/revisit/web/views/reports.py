"""The daily report: yesterday's (or any day's) invitations per person against quotas and
targets, consultations and orders per consultant, and the same per store and region."""

from datetime import timedelta

from django.db.models import Count, Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from revisit.core.access import aggregate_scope, visible_orders
from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.grading.reads import current_inventory
from revisit.messaging.figures import messages_by_channel
from revisit.outreach.campaigns import active_campaign
from revisit.outreach.figures import daily_figures, survey_progress
from revisit.outreach.models import Outcome
from revisit.sales.models import OrderLine
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.params import parse_day
from revisit.web.permissions import REPORT_ROLES, require_roles

SUMMED = [
    "quota",
    "calls",
    "activation_calls",
    "revisit_calls",
    "reached",
    "messages",
    *Outcome.values,
    "appointments_next_day",
    "appointment_target",
    "arrivals",
    "consultations",
    "orders",
    "amount",
]


def _visible_people(staff, rows: list[dict]) -> list[dict]:
    """Rows of the people in the viewer's stores or regions (everyone for an admin)."""
    assignments = list(staff.role_assignments.all())
    if any(a.role == Role.ADMIN for a in assignments):
        return rows
    stores = {a.store_id for a in assignments if a.role == Role.STORE_MANAGER}
    regions = {a.region_id for a in assignments if a.role == Role.REGION_SUPERVISOR}
    return [r for r in rows if r["store_id"] in stores or r["region_id"] in regions]


def _totals(rows: list[dict], key: str, label: str) -> list[dict]:
    groups: dict = {}
    for r in rows:
        g = groups.setdefault(r[key], {label: r[label] or "—", **{k: 0 for k in SUMMED}})
        for k in SUMMED:
            g[k] += r[k]
    return list(groups.values())


def _sales(request, day) -> list[dict]:
    """Orders of the day per consultant, with each customer's segment and amount."""
    orders = visible_orders(request.user).filter(order_date=day)
    lines = (
        OrderLine.objects.filter(order__in=orders.values("pk"))
        .values("order__consultant", "customer_id", "customer__code", "customer__name")
        .annotate(amount=Sum("amount"), orders=Count("order", distinct=True))
        .order_by("order__consultant", "-amount")
    )
    rows = list(lines)
    inventory = current_inventory(request.user.organization_id)
    segments = (
        dict(
            inventory.grades.filter(customer_id__in=[r["customer_id"] for r in rows]).values_list(
                "customer_id", "segment"
            )
        )
        if inventory and rows
        else {}
    )
    names = {
        s.pk: str(s)
        for s in request.user.organization.staff.filter(
            pk__in={r["order__consultant"] for r in rows}
        )
    }
    for r in rows:
        r["consultant"] = names.get(r["order__consultant"], "—")
        r["segment"] = segments.get(r["customer_id"], "")
    return rows


@require_roles(REPORT_ROLES)
def daily_report(request):
    org = request.user.organization
    day = parse_day(request.GET.get("day"), default=local_date(org) - timedelta(days=1))
    people = _visible_people(request.user, daily_figures(org, day))
    sales = _sales(request, day)
    table = request.GET.get("table", "people")
    if wants_xlsx(request):
        if table == "sales":
            return xlsx_response(
                request,
                name=f"daily-sales-{day}",
                header=[
                    _("Consultant"),
                    _("Code"),
                    _("Name"),
                    _("Segment"),
                    _("Orders"),
                    _("Amount"),
                ],
                rows=(
                    [
                        r["consultant"],
                        r["customer__code"],
                        r["customer__name"],
                        r["segment"],
                        r["orders"],
                        r["amount"],
                    ]
                    for r in sales
                ),
            )
        return xlsx_response(
            request,
            name=f"daily-invitations-{day}",
            header=[
                _("Staff"),
                _("Store"),
                _("Quota"),
                _("Activation calls"),
                _("Routine revisits"),
                _("Reached"),
                _("Messages sent"),
                *Outcome.labels,
                _("Appointments for next day"),
                _("Target"),
                _("Arrivals"),
                _("Consultations"),
                _("Orders"),
                _("Amount"),
            ],
            rows=(
                [
                    r["staff"],
                    r["store"],
                    r["quota"],
                    r["activation_calls"],
                    r["revisit_calls"],
                    r["reached"],
                    r["messages"],
                    *(r[o] for o in Outcome.values),
                    r["appointments_next_day"],
                    r["appointment_target"],
                    r["arrivals"],
                    r["consultations"],
                    r["orders"],
                    r["amount"],
                ]
                for r in people
            ),
        )
    return render(
        request,
        "web/reports/daily.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "people": people,
            "stores": _totals(people, "store_id", "store"),
            "regions": _totals(people, "region_id", "region"),
            # Column heads: the short part of each outcome's label (有效一级, …).
            "outcomes": [
                (value, str(label).split("：")[0].split(":")[0], label)
                for value, label in Outcome.choices
            ],
            "sales": sales,
            "sales_total": sum(r["amount"] for r in sales),
            "survey": survey_progress(org, day, aggregate_scope(request.user)),
            "messages": messages_by_channel(org, day, aggregate_scope(request.user)),
            "campaign": active_campaign(org, day),
        },
    )
