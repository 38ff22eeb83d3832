"""The roster of a store (排班): practitioners' weekly shifts and leave, the store's rooms,
and the desk settings (waiting limit, owner rule)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments import access
from revisit.appointments.desk import desk_settings, update_desk_settings
from revisit.appointments.errors import DeskError
from revisit.appointments.models import Shift
from revisit.appointments.shifts import (
    add_leave,
    add_room,
    add_shift,
    remove_leave,
    remove_room,
    remove_shift,
)
from revisit.core.clock import org_zone
from revisit.core.models import Role
from revisit.web.desk_forms import DeskSettingsForm, LeaveForm, RoomForm, ShiftForm
from revisit.web.params import answers_bad_parameters
from revisit.web.permissions import SETTINGS_EDIT_ROLES, has_any, require_roles
from revisit.web.views.calendar import pick_store


def _stores(request):
    return access.desk_stores(request.user, access.ROSTER_ROLES)


def _back(store):
    return redirect(f"{reverse('roster')}?store={store.pk}")


def _errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_roles(access.ROSTER_ROLES)
@answers_bad_parameters
def roster(request):
    stores = _stores(request)
    store = pick_store(request, stores)
    zone = org_zone(store.organization)
    practitioners = list(access.store_staff(store, Role.PRACTITIONER))
    shifts = Shift.objects.filter(store=store).select_related("practitioner")
    table = [
        {
            "practitioner": p,
            "days": [
                [s for s in shifts if s.practitioner_id == p.pk and s.weekday == d]
                for d in range(7)
            ],
        }
        for p in practitioners
    ]
    leaves = access.roster_leaves(request.user).filter(store=store).select_related("practitioner")
    for leave in leaves:
        leave.local = (leave.starts_at.astimezone(zone), leave.ends_at.astimezone(zone))
    return render(
        request,
        "web/desk/roster.html",
        {
            "store": store,
            "stores": stores.order_by("code"),
            "weekdays": Shift.Weekday.labels,
            "table": table,
            "leaves": leaves,
            "rooms": store.rooms.all(),
            "shift_form": ShiftForm(store=store),
            "leave_form": LeaveForm(store=store),
            "room_form": RoomForm(),
        },
    )


@require_POST
@require_roles(access.ROSTER_ROLES)
@answers_bad_parameters
def shift_add(request):
    store = pick_store(request, _stores(request))
    form = ShiftForm(request.POST, store=store)
    if not form.is_valid():
        _errors(request, form)
        return _back(store)
    try:
        add_shift(
            store,
            form.cleaned_data["practitioner"],
            actor=request.user,
            **{k: form.cleaned_data[k] for k in ("weekday", "starts", "ends")},
        )
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Shift added."))
    return _back(store)


@require_POST
@require_roles(access.ROSTER_ROLES)
def shift_remove(request, pk):
    shift = access.get_shift_or_404(request.user, pk)
    store = shift.store
    remove_shift(shift, actor=request.user)
    messages.success(request, _("Shift removed."))
    return _back(store)


@require_POST
@require_roles(access.ROSTER_ROLES)
@answers_bad_parameters
def leave_add(request):
    store = pick_store(request, _stores(request))
    form = LeaveForm(request.POST, store=store)
    if not form.is_valid():
        _errors(request, form)
        return _back(store)
    try:
        add_leave(
            store,
            form.cleaned_data["practitioner"],
            starts_at=form.moment("from_day", "from_time"),
            ends_at=form.moment("to_day", "to_time"),
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Leave recorded."))
    return _back(store)


@require_POST
@require_roles(access.ROSTER_ROLES)
def leave_remove(request, pk):
    leave = access.get_leave_or_404(request.user, pk)
    store = leave.store
    remove_leave(leave, actor=request.user)
    messages.success(request, _("Leave removed."))
    return _back(store)


@require_POST
@require_roles(access.ROSTER_ROLES)
@answers_bad_parameters
def room_add(request):
    store = pick_store(request, _stores(request))
    form = RoomForm(request.POST)
    try:
        if not form.is_valid():
            raise DeskError(_("A room needs a name of at most 50 characters."))
        add_room(store, name=form.cleaned_data["name"], actor=request.user)
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Room added."))
    return _back(store)


@require_POST
@require_roles(access.ROSTER_ROLES)
def room_remove(request, pk):
    room = access.get_room_or_404(request.user, pk)
    store = room.store
    remove_room(room, actor=request.user)
    messages.success(request, _("Room removed."))
    return _back(store)


@require_roles(access.ROSTER_ROLES)
def settings_desk(request):
    org = request.user.organization
    current = desk_settings(org)
    may_edit = has_any(request.user, SETTINGS_EDIT_ROLES)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    form = DeskSettingsForm(
        request.POST if request.method == "POST" and may_edit else None,
        initial={"wait_minutes": current.wait_minutes, "owner_rule": current.owner_rule},
    )
    if request.method == "POST" and may_edit and form.is_valid():
        try:
            update_desk_settings(org, actor=request.user, **form.cleaned_data)
        except DeskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Desk settings saved."))
            return redirect("settings_desk")
    return render(
        request,
        "web/desk/settings.html",
        {"form": form, "may_edit": may_edit},
        status=400 if form.errors else 200,
    )
