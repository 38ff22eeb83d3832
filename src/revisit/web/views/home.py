"""Home: a consultant or caller lands on today's queue, a manager on the store's day, an
admin on the organization overview."""

from django.db.models import Count
from django.shortcuts import redirect, render

from revisit.appointments.models import Appointment
from revisit.core.access import visible_customers, visible_import_runs
from revisit.core.clock import day_bounds, local_date
from revisit.grading.models import TierChange
from revisit.grading.reads import current_inventory, segment_table
from revisit.messaging.campaign_sends import campaigns_to_approve
from revisit.reports.monthly import reminders
from revisit.web.permissions import INVENTORY_VIEW_ROLES, QUEUE_ROLES, has_any, roles_of


def home(request):
    staff = request.user
    if has_any(staff, QUEUE_ROLES) and not has_any(staff, INVENTORY_VIEW_ROLES):
        return redirect("queue")
    org = staff.organization
    if org is None or not roles_of(staff):
        return render(request, "web/home.html", {"no_role": True})
    today = local_date(org)
    start, end = day_bounds(org, today)
    customers = visible_customers(staff)
    is_admin = "admin" in roles_of(staff)
    inventory = current_inventory(org.pk)
    appointments = (
        Appointment.objects.filter(
            organization=org,
            starts_at__gte=start,
            starts_at__lt=end,
            customer__in=customers.values("pk"),
        )
        .select_related("customer", "staff", "store")
        .order_by("starts_at")
    )
    context = {
        "today": today,
        "is_admin": is_admin,
        # Practitioners and the like see the figures, but link only where they may go.
        "may_see_inventories": has_any(staff, INVENTORY_VIEW_ROLES),
        "customer_count": customers.count(),
        "inventory": inventory,
        "segments": segment_table(inventory, None if is_admin else customers) if inventory else [],
        "appointments": appointments[:100],
        # Counts per state, by the state's label (never its code).
        "appointment_status": {
            Appointment.Status(status).label: n
            for status, n in appointments.values_list("status").annotate(n=Count("id")).order_by()
        },
        "pending_upgrades": TierChange.objects.filter(
            organization=org,
            status=TierChange.Status.PROPOSED,
            customer__in=customers.values("pk"),
        ).count(),
        "imports": visible_import_runs(request.user).order_by("-started_at")[:5]
        if is_admin
        else [],
    }
    context["reminders"] = reminders(staff, today=today)
    context["campaigns_to_approve"] = campaigns_to_approve(staff)
    return render(request, "web/home.html", context)
