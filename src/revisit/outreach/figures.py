"""Daily figures per staff member: what the daily report is made of."""

from datetime import date, timedelta

from django.db.models import Count, Sum

from revisit.appointments.models import Appointment, Consultation
from revisit.core.clock import day_bounds
from revisit.core.models import Organization, Role, RoleAssignment
from revisit.outreach.contacts import contacts_by_actor
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import CallTask, FollowUp, Outcome, OutreachSettings
from revisit.sales.models import OrderLine

VALID = [Outcome.VALID_1, Outcome.VALID_2, Outcome.VALID_3, Outcome.VALID_4]
ATTRIBUTION_DAYS = 30  # orders count for whoever contacted the customer in this many days


def daily_figures(
    organization: Organization,
    day: date,
    *,
    staff_ids: list[int] | None = None,
    settings: OutreachSettings | None = None,
    brief: bool = False,
) -> list[dict]:
    """Per consultant and caller on `day` (the organization's local day): calls made
    (activation calls against quota, scheduled revisits apart), customers reached, valid
    outcomes by code, marketing messages sent that she queued, appointments made for the next day against target, arrivals, and
    orders and amount from customers they had contacted in the last 30 days. `staff_ids`
    limits the rows to those people; `settings` spares reading the organization's outreach
    settings when they are at hand; `brief` stops at the calls and the next day's
    appointments (messages, arrivals, consultations, orders and amount stay 0), which is
    all a queue's progress shows."""
    settings = settings or outreach_settings(organization)
    start, end = day_bounds(organization, day)
    next_start, next_end = day_bounds(organization, day + timedelta(days=1))
    staff = {}
    assignments = RoleAssignment.objects.filter(
        staff__organization=organization,
        staff__is_active=True,
        role__in=[Role.CONSULTANT, Role.CALLER],
    ).select_related("staff", "staff__duty", "store__region")
    if staff_ids is not None:
        assignments = assignments.filter(staff_id__in=staff_ids)
    for a in assignments:
        default = (
            settings.consultant_daily_quota
            if a.role == Role.CONSULTANT
            else settings.caller_daily_quota
        )
        duty = getattr(a.staff, "duty", None)  # select_related: None when she has none
        if duty is not None and duty.on_call_team:
            default = settings.call_team_daily_quota  # as the call lists count it
        row = staff.setdefault(
            a.staff_id,
            {
                "staff_id": a.staff_id,
                "staff": str(a.staff),
                "role": a.role,
                "store_id": a.store_id,
                "store": str(a.store) if a.store else "",
                "region_id": a.store.region_id if a.store else None,
                "region": str(a.store.region) if a.store and a.store.region else "",
                "quota": a.staff.daily_call_quota or default,
                "calls": 0,
                "activation_calls": 0,  # what the quota is about
                "revisit_calls": 0,  # scheduled revisits, on top of the quota
                "reached": 0,
                "messages": 0,  # marketing messages she queued that were sent that day
                **{code: 0 for code in Outcome.values},
                "appointments_next_day": 0,
                "appointment_target": settings.next_day_appointment_target,
                "arrivals": 0,
                "consultations": 0,
                "orders": 0,
                "amount": 0,
            },
        )
        row["quota"] = max(row["quota"], a.staff.daily_call_quota or default)
    today = FollowUp.objects.filter(
        organization=organization, contacted_at__gte=start, contacted_at__lt=end, actor_id__in=staff
    )
    for actor_id, outcome, source, n in today.values_list(
        "actor_id", "outcome", "task__source"
    ).annotate(n=Count("id")):
        staff[actor_id]["calls"] += n
        kind = "revisit_calls" if source == CallTask.Source.SCHEDULED else "activation_calls"
        staff[actor_id][kind] += n
        staff[actor_id][outcome] += n
        if outcome in VALID:
            staff[actor_id]["reached"] += n
    contacts = {} if brief else contacts_by_actor(organization, start, end)
    for (actor_id, kind), n in contacts.items():
        if actor_id in staff and kind == "message":
            staff[actor_id]["messages"] += n
    for staff_id, n in (
        Appointment.objects.filter(
            organization=organization,
            created_at__gte=start,
            created_at__lt=end,
            starts_at__gte=next_start,
            starts_at__lt=next_end,
            staff_id__in=staff,
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("staff_id")
        .annotate(n=Count("id"))
    ):
        staff[staff_id]["appointments_next_day"] = n
    if brief:
        return sorted(staff.values(), key=lambda r: (r["role"], r["staff"]))
    for staff_id, n in (
        Appointment.objects.filter(
            organization=organization, arrived_at__gte=start, arrived_at__lt=end, staff_id__in=staff
        )
        .values_list("staff_id")
        .annotate(n=Count("id"))
    ):
        staff[staff_id]["arrivals"] = n
    for staff_id, n in (
        Consultation.objects.filter(
            organization=organization, held_at__gte=start, held_at__lt=end, consultant_id__in=staff
        )
        .values_list("consultant_id")
        .annotate(n=Count("id"))
    ):
        staff[staff_id]["consultations"] = n
    window_start, _ = day_bounds(organization, day - timedelta(days=ATTRIBUTION_DAYS - 1))
    for staff_id, row in staff.items():
        contacted = FollowUp.objects.filter(
            actor_id=staff_id, contacted_at__gte=window_start, contacted_at__lt=end
        ).values("customer_id")
        sold = OrderLine.objects.filter(
            organization=organization, order_date=day, customer_id__in=contacted
        ).aggregate(orders=Count("order", distinct=True), amount=Sum("amount"))
        row["orders"], row["amount"] = sold["orders"], sold["amount"] or 0
    return sorted(staff.values(), key=lambda r: (r["role"], r["staff"]))


def survey_progress(organization: Organization, day: date, customers=None) -> dict | None:
    """The satisfaction survey of the important win-back customers (A4) of the current
    inventory: how many there are, how many were surveyed since the inventory, and the
    target share. `customers` limits it to a viewer's scope (None: the organization).
    None when there is no inventory or no A4 customer."""
    from revisit.grading.models import Grade
    from revisit.grading.reads import current_inventory

    inventory = current_inventory(organization, on=day)
    if inventory is None:
        return None
    a4 = Grade.objects.filter(inventory=inventory, segment="A4")
    if customers is not None:
        a4 = a4.filter(customer__in=customers.values("pk"))
    total = a4.count()
    if not total:
        return None
    start, _ = day_bounds(organization, inventory.as_of)
    _, end = day_bounds(organization, day)
    surveyed = (
        FollowUp.objects.filter(
            customer__in=a4.values("customer_id"),
            contacted_at__gte=start,
            contacted_at__lt=end,
        )
        .exclude(satisfaction="")
        .values("customer_id")
        .distinct()
        .count()
    )
    target = outreach_settings(organization).survey_target_percent
    share = surveyed / total
    return {
        "total": total,
        "surveyed": surveyed,
        "share": share,
        "target": target,
        "met": share * 100 >= target,
    }
