"""The arrival desk (前台): today's arrivals of a store, walk-ins, the receiving consultant
(and another one proposed past the waiting limit), consultations, and the 10:00 report."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments import access
from revisit.appointments.consultations import consultation_report, record_consultation
from revisit.appointments.desk import (
    assign_consultant,
    desk_settings,
    find_customers,
    propose_consultant,
    register_walk_in,
    todays_arrivals,
    waiting_minutes,
)
from revisit.appointments.errors import DeskError
from revisit.core.clock import local_date, org_zone
from revisit.core.models import Role
from revisit.customers.phones import mask_phone
from revisit.sales.models import Order
from revisit.web.desk_forms import ConsultationForm
from revisit.web.params import answers_bad_parameters, id_param, parse_day
from revisit.web.permissions import REPORT_ROLES, require_roles
from revisit.web.views.calendar import pick_store


@require_roles(access.DESK_ROLES)
@answers_bad_parameters
def desk(request):
    stores = access.desk_stores(request.user)
    store = pick_store(request, stores)
    now = timezone.now()
    wait = desk_settings(store.organization).wait_minutes
    zone = org_zone(store.organization)
    rows = []
    for a in todays_arrivals(store, now=now):
        rows.append(
            {
                "appointment": a,
                "time": a.starts_at.astimezone(zone),
                "phone": mask_phone(a.customer.mobile),
                "waited": waiting_minutes(a, now),
                "proposal": propose_consultant(a, now=now, wait_minutes=wait),
            }
        )
    query = request.GET.get("q", "").strip()[:40]
    found = list(find_customers(access.desk_customers(request.user), query)) if query else None
    for c in found or []:
        c.phone = mask_phone(c.mobile)
    return render(
        request,
        "web/desk/desk.html",
        {
            "store": store,
            "stores": stores.order_by("code"),
            "rows": rows,
            "wait": wait,
            "query": query,
            "found": found,
            "consultants": access.store_staff(store, Role.CONSULTANT),
        },
    )


@require_POST
@require_roles(access.DESK_ROLES)
@answers_bad_parameters
def walk_in(request):
    store = pick_store(request, access.desk_stores(request.user))
    customer = access.get_desk_customer_or_404(
        request.user, pk=id_param(request.POST.get("customer"))
    )
    try:
        register_walk_in(customer, store=store, actor=request.user)
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s registered as arrived.") % {"name": customer})
    return redirect(f"{reverse('desk')}?store={store.pk}")


@require_POST
@require_roles(access.DESK_ROLES)
@answers_bad_parameters
def set_consultant(request, pk):
    appointment = access.get_appointment_or_404(request.user, for_desk=True, pk=pk)
    consultant = (
        access.store_staff(appointment.store, Role.CONSULTANT)
        .filter(pk=id_param(request.POST.get("consultant")))
        .first()
    )
    try:
        if consultant is None:
            raise DeskError(_("Choose a consultant of this store."))
        assign_consultant(appointment, consultant, actor=request.user)
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s receives the customer.") % {"name": consultant})
    return redirect(f"{reverse('desk')}?store={appointment.store_id}")


@require_roles(access.DESK_ROLES)
def consultation_new(request, pk):
    appointment = access.get_appointment_or_404(request.user, for_desk=True, pk=pk)
    customer = appointment.customer
    day = local_date(appointment.organization, appointment.arrived_at or appointment.starts_at)
    orders = Order.objects.filter(customer=customer, order_date__gte=day - timedelta(days=1))
    form = ConsultationForm(
        request.POST or None,
        store=appointment.store,
        orders=orders,
        initial={"consultant": appointment.consultant_id, "item": [appointment.item_id]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_consultation(
                customer,
                store=appointment.store,
                consultant=data["consultant"],
                actor=request.user,
                result=data["result"],
                items=list(data["item"]),
                topics=data["topics"],
                quoted_price=data["quoted_price"],
                no_deal_reason=data["no_deal_reason"],
                note=data["note"],
                order=data["order"],
                appointment=appointment,
            )
        except DeskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Consultation recorded."))
            return redirect(f"{reverse('desk')}?store={appointment.store_id}")
    return render(
        request,
        "web/desk/consultation.html",
        {"form": form, "appointment": appointment, "phone": mask_phone(customer.mobile)},
        status=400 if form.errors else 200,
    )


@require_roles(REPORT_ROLES)
@answers_bad_parameters
def consultations_report(request):
    org = request.user.organization
    day = parse_day(request.GET.get("day"), default=local_date(org) - timedelta(days=1))
    people = consultation_report(access.visible_consultations(request.user), day, org)
    return render(
        request,
        "web/desk/report.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "people": people,
            "total": {
                "count": sum(p["count"] for p in people),
                "deals": sum(p["deals"] for p in people),
                "amount": sum(p["amount"] for p in people),
            },
        },
    )
