"""The appointment calendar: a store's day or week by practitioner or room, booking by
clicking a cell, one appointment's page (reschedule, change state), and tomorrow's list
for the 18:00 review (printable)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments import access
from revisit.appointments.calendar import (
    BY,
    calendar_grid,
    free_slots,
    tomorrow_list,
    week_start,
)
from revisit.appointments.desk import find_customers
from revisit.appointments.errors import DeskError
from revisit.appointments.models import Appointment
from revisit.appointments.services import (
    RESCHEDULABLE,
    TRANSITIONS,
    book_appointment,
    mark_arrived,
    reschedule_appointment,
    start_treatment,
    transition,
)
from revisit.core.clock import local_date, org_zone
from revisit.customers.phones import mask_phone
from revisit.web.desk_forms import BookingForm, RescheduleForm
from revisit.web.params import BadParameter, answers_bad_parameters, id_param, parse_day
from revisit.web.permissions import has_any, require_roles

Status = Appointment.Status


def pick_store(request, stores):
    """The store named by ?store= (404 outside `stores`), else the first one."""
    pk = id_param(request.GET.get("store") or request.POST.get("store"), required=False)
    if pk is not None:
        return access.get_store_or_404(request.user, stores, pk)
    store = stores.order_by("code").first()
    if store is None:
        raise BadParameter(_("You have no store to work in."), status=404)
    return store


@require_roles(access.CALENDAR_ROLES)
@answers_bad_parameters
def calendar(request):
    stores = access.calendar_stores(request.user)
    store = pick_store(request, stores)
    org = store.organization
    view = request.GET.get("view", "week")
    by = request.GET.get("by", "practitioner")
    if view not in ("day", "week") or by not in BY:
        raise BadParameter(_("Unknown calendar view."))
    day = parse_day(request.GET.get("day"), default=local_date(org))
    first = week_start(day) if view == "week" else day
    days = 7 if view == "week" else 1
    grid = calendar_grid(
        store,
        access.visible_appointments(request.user),
        first_day=first,
        days=days,
        by=by,
    )
    may_book = has_any(request.user, access.DESK_ROLES) and store in access.desk_stores(
        request.user
    )
    if view == "day" and by == "practitioner" and may_book:
        for row in grid["rows"]:
            if row["pk"] is not None:
                row["slots"] = free_slots(store, row["pk"], day, row["cells"][0]["items"])
    _render_items(grid)
    step = timedelta(days=days)
    return render(
        request,
        "web/desk/calendar.html",
        {
            "store": store,
            "stores": stores.order_by("code"),
            "grid": grid,
            "view": view,
            "by": by,
            "day": day,
            "previous": first - step,
            "next": first + step,
            "may_book": may_book,
        },
    )


def _render_items(grid) -> None:
    """Each cell's appointments as one piece of HTML: a week holds thousands of them, and
    rendering them here (escaped by format_html) is several times faster than a template
    loop with a URL reversed per appointment."""
    base = reverse("appointment", args=[1]).removesuffix("1/")
    for row in grid["rows"]:
        for cell in row["cells"]:
            cell["html"] = format_html_join(
                "",
                '<div class="appt status-{}" title="{}"><a href="{}{}/">{} {}</a>{} '
                '<span class="muted">{}</span></div>',
                (
                    (
                        a["status"],
                        f"{a['source_label']} · {a['booked_by'] or '—'}",
                        base,
                        a["pk"],
                        a["time"],
                        a["customer"],
                        f" · {a['item']}" if a["item"] else "",
                        a["status_label"],
                    )
                    for a in cell["items"]
                ),
            )


@require_roles(access.DESK_ROLES)
@answers_bad_parameters
def book(request):
    store = pick_store(request, access.desk_stores(request.user))
    org = store.organization
    initial = {
        "day": parse_day(request.GET.get("day"), default=local_date(org)),
        "time": request.GET.get("time", "")[:5],
        "duration": 60,
        "practitioner": id_param(request.GET.get("practitioner"), required=False),
        "room": id_param(request.GET.get("room"), required=False),
    }
    customer_pk = id_param(request.GET.get("customer"), required=False)
    if customer_pk is not None:
        initial["customer"] = access.get_desk_customer_or_404(request.user, pk=customer_pk).code
    form = BookingForm(request.POST or None, store=store, initial=initial)
    if request.method == "POST" and form.is_valid():
        matches = list(
            find_customers(access.desk_customers(request.user), form.cleaned_data["customer"])
        )
        if len(matches) != 1:
            form.add_error(
                "customer",
                _("No customer matches this.")
                if not matches
                else _("Several customers match this; type the customer code."),
            )
        else:
            try:
                appointment = book_appointment(
                    matches[0],
                    starts_at=form.moment(),
                    actor=request.user,
                    store=store,
                    practitioner=form.cleaned_data["practitioner"],
                    room=form.cleaned_data["room"],
                    item=form.cleaned_data["item"],
                    duration_minutes=form.cleaned_data["duration"],
                    note=form.cleaned_data["note"],
                )
            except DeskError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Appointment booked."))
                return redirect("appointment", appointment.pk)
    return render(
        request,
        "web/desk/book.html",
        {"form": form, "store": store},
        status=400 if form.errors else 200,
    )


ACTIONS = {
    Status.CONFIRMED: lambda a, user, reason: transition(a, Status.CONFIRMED, actor=user),
    Status.ARRIVED: lambda a, user, reason: mark_arrived(a, actor=user),
    Status.IN_TREATMENT: lambda a, user, reason: start_treatment(a, actor=user),
    Status.NO_SHOW: lambda a, user, reason: transition(a, Status.NO_SHOW, actor=user),
    Status.CANCELLED: lambda a, user, reason: transition(
        a, Status.CANCELLED, actor=user, reason=reason
    ),
}


@answers_bad_parameters
def appointment_detail(request, pk):
    appointment = access.get_appointment_or_404(request.user, pk=pk)
    may_change = (
        appointment.store_id is not None
        and access.desk_appointments(request.user).filter(pk=pk).exists()
    )
    zone = org_zone(appointment.organization)
    local = appointment.starts_at.astimezone(zone)
    reschedule = None
    if may_change and appointment.status in RESCHEDULABLE:
        reschedule = RescheduleForm(
            store=appointment.store,
            initial={
                "day": local.date(),
                "time": local.time(),
                "duration": appointment.duration_minutes,
                "practitioner": appointment.practitioner_id,
                "room": appointment.room_id,
            },
        )
    return render(
        request,
        "web/desk/appointment.html",
        {
            "appointment": appointment,
            "starts": local,
            "ends": appointment.ends_at.astimezone(zone),
            "phone": mask_phone(appointment.customer.mobile),
            "may_change": may_change,
            "next_states": [
                (s, Status(s).label)
                for s in Status.values
                if s in ACTIONS and s in TRANSITIONS[appointment.status]
            ]
            if may_change
            else [],
            "reschedule": reschedule,
            "consultations": appointment.consultations.select_related("consultant", "order"),
        },
    )


@require_POST
@require_roles(access.DESK_ROLES)
def appointment_transition(request, pk):
    appointment = access.get_appointment_or_404(request.user, for_desk=True, pk=pk)
    to = request.POST.get("to", "")
    action = ACTIONS.get(to)
    try:
        if action is None:
            raise DeskError(_("Unknown appointment state."))
        done = action(appointment, request.user, request.POST.get("reason", "")[:200])
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The appointment is now %(status)s.") % {"status": done.get_status_display()}
        )
    if request.POST.get("next") == "desk":
        return redirect(_desk_url(appointment))
    return redirect("appointment", appointment.pk)


def _desk_url(appointment) -> str:
    return f"{reverse('desk')}?store={appointment.store_id}"


@require_POST
@require_roles(access.DESK_ROLES)
def appointment_reschedule(request, pk):
    appointment = access.get_appointment_or_404(request.user, for_desk=True, pk=pk)
    form = RescheduleForm(request.POST, store=appointment.store)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("appointment", appointment.pk)
    try:
        reschedule_appointment(
            appointment,
            actor=request.user,
            starts_at=form.moment(),
            duration_minutes=form.cleaned_data["duration"],
            practitioner=form.cleaned_data["practitioner"],
            room=form.cleaned_data["room"],
        )
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Appointment moved."))
    return redirect("appointment", appointment.pk)


@require_roles(access.CALENDAR_ROLES)
@answers_bad_parameters
def tomorrow(request):
    stores = access.calendar_stores(request.user)
    store = pick_store(request, stores)
    day = parse_day(
        request.GET.get("day"), default=local_date(store.organization) + timedelta(days=1)
    )
    appointments = list(tomorrow_list(access.visible_appointments(request.user), store, day))
    zone = org_zone(store.organization)
    for a in appointments:
        a.local_start = a.starts_at.astimezone(zone)
        a.phone = mask_phone(a.customer.mobile)
    return render(
        request,
        "web/desk/tomorrow.html",
        {
            "store": store,
            "stores": stores.order_by("code"),
            "day": day,
            "appointments": appointments,
        },
    )
