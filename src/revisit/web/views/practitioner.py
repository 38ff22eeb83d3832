"""The practitioner's day: her appointments with each customer's treatment history, card
facts and pre-treatment warnings; starting a treatment and the post-treatment note."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments import access
from revisit.appointments.errors import DeskError
from revisit.appointments.services import start_treatment
from revisit.appointments.treatment import finish_treatment, practitioner_day
from revisit.core.clock import local_date, org_zone
from revisit.core.models import Role, Staff
from revisit.web.desk_forms import TreatmentNoteForm
from revisit.web.params import answers_bad_parameters, id_param, parse_day
from revisit.web.permissions import require_roles

PRACTITIONER_VIEW_ROLES = {Role.PRACTITIONER, Role.ADMIN, Role.STORE_MANAGER}


def _own_or_404(request, pk):
    """Her own appointment for a practitioner; any of the managed stores' for a manager."""
    appointment = access.get_appointment_or_404(request.user, pk=pk)
    if (
        appointment.practitioner_id != request.user.pk
        and not access.desk_stores(request.user, access.ROSTER_ROLES)
        .filter(pk=appointment.store_id)
        .exists()
    ):
        raise Http404
    return appointment


@require_roles(PRACTITIONER_VIEW_ROLES)
@answers_bad_parameters
def practitioner_day_view(request):
    org = request.user.organization
    day = parse_day(request.GET.get("day"), default=local_date(org))
    managed = access.desk_stores(request.user, access.ROSTER_ROLES)
    practitioners = (
        Staff.objects.filter(
            role_assignments__role=Role.PRACTITIONER, role_assignments__store__in=managed
        )
        .distinct()
        .order_by("display_name")
    )
    chosen = id_param(request.GET.get("practitioner"), required=False)
    if chosen is None or chosen == request.user.pk:
        practitioner = request.user
    else:
        practitioner = practitioners.filter(pk=chosen).first()
        if practitioner is None:
            raise Http404
    appointments = access.visible_appointments(request.user).filter(practitioner=practitioner)
    zone = org_zone(org)
    rows = practitioner_day(appointments, org, day)
    for row in rows:
        row["starts"] = row["appointment"].starts_at.astimezone(zone)
    return render(
        request,
        "web/desk/practitioner.html",
        {
            "day": day,
            "practitioner": practitioner,
            "practitioners": practitioners,
            "rows": rows,
            "form": TreatmentNoteForm(),
        },
    )


@require_POST
@require_roles(PRACTITIONER_VIEW_ROLES)
def treatment_start(request, pk):
    appointment = _own_or_404(request, pk)
    try:
        start_treatment(appointment, actor=request.user)
    except DeskError as exc:
        messages.error(request, str(exc))
    return redirect("practitioner_day")


@require_POST
@require_roles(PRACTITIONER_VIEW_ROLES)
def treatment_note(request, pk):
    appointment = _own_or_404(request, pk)
    form = TreatmentNoteForm(request.POST)
    try:
        if not form.is_valid():
            raise DeskError(_("Write the post-treatment note (at most 2000 characters)."))
        _done, scheduled = finish_treatment(
            appointment, actor=request.user, note=form.cleaned_data["note"]
        )
    except DeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Treatment done; %(count)s revisit contacts scheduled.") % {"count": scheduled},
        )
    return redirect("practitioner_day")
