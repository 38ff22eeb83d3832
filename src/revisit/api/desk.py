"""The desk's API: appointments (book, reschedule, change state, receiving consultant),
today's arrivals and walk-ins, consultations, and the practitioners' roster. Scoped like
the pages (404 outside the scope), phones masked; a refused action answers 400 with the
reason in the user's language."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from revisit.api.schemas import ID, Day, Message
from revisit.appointments import access
from revisit.appointments.consultations import record_consultation
from revisit.appointments.desk import (
    assign_consultant,
    desk_settings,
    propose_consultant,
    register_walk_in,
    todays_arrivals,
    waiting_minutes,
)
from revisit.appointments.errors import DeskError
from revisit.appointments.models import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    Appointment,
    Consultation,
    NoDealReason,
    Room,
    Shift,
)
from revisit.appointments.services import (
    book_appointment,
    mark_arrived,
    reschedule_appointment,
    start_treatment,
    transition,
)
from revisit.appointments.shifts import add_shift, remove_shift
from revisit.appointments.treatment import finish_treatment
from revisit.core.clock import day_bounds, local_date, org_zone
from revisit.core.models import Role
from revisit.customers.phones import mask_phone
from revisit.sales.models import Item, Order
from revisit.web.permissions import REPORT_ROLES, has_any

router = Router(tags=["desk"])
Minutes = Annotated[int, Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)]
Moment = Annotated[
    datetime,
    Field(description="ISO 8601; without a zone, the organization's local time"),
]


class AppointmentOut(Schema):
    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    mobile_masked: str
    store_id: int | None
    practitioner_id: int | None
    room_id: int | None
    item_id: int | None
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    status: str
    status_label: str
    source: str
    booked_by_id: int | None
    consultant_id: int | None
    cancel_reason: str
    arrived_at: datetime | None

    @staticmethod
    def resolve_customer_code(obj):
        return obj.customer.code

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_mobile_masked(obj):
        return mask_phone(obj.customer.mobile)

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_booked_by_id(obj):
        return obj.staff_id


class ArrivalOut(AppointmentOut):
    waiting_minutes: int | None
    proposed_consultant_id: int | None


class AppointmentIn(Schema):
    customer_id: ID
    store_id: ID
    starts_at: Moment
    duration_minutes: Minutes = 60
    practitioner_id: ID | None = None
    room_id: ID | None = None
    item_id: ID | None = None
    note: str = Field("", max_length=200)


class RescheduleIn(Schema):
    starts_at: Moment
    duration_minutes: Minutes | None = None
    practitioner_id: ID | None = None
    room_id: ID | None = None


class TransitionIn(Schema):
    to: Appointment.Status
    reason: str = Field("", max_length=200, description="required to cancel")
    note: str = Field("", max_length=2000, description="post-treatment note, required for done")


class ConsultantIn(Schema):
    consultant_id: ID


class WalkInIn(Schema):
    customer_id: ID
    store_id: ID


class ConsultationIn(Schema):
    appointment_id: ID
    consultant_id: ID
    result: Consultation.Result
    no_deal_reason: NoDealReason | None = None
    item_ids: list[ID] = Field(default_factory=list, max_length=50)
    topics: str = Field("", max_length=300)
    quoted_price: Decimal | None = Field(
        None, ge=0, lt=100_000_000, max_digits=12, decimal_places=2
    )
    note: str = Field("", max_length=300)
    order_id: ID | None = None


class ConsultationOut(Schema):
    id: int
    appointment_id: int | None
    customer_id: int
    consultant_id: int
    store_id: int
    held_at: datetime
    result: str
    no_deal_reason: str
    quoted_price: Decimal | None
    topics: str
    order_id: int | None


class ShiftIn(Schema):
    store_id: ID
    practitioner_id: ID
    weekday: int = Field(..., ge=0, le=6, description="0 Monday … 6 Sunday")
    starts: time
    ends: time = Field(..., description="at or before `starts`: runs past midnight")


class ShiftOut(Schema):
    id: int
    store_id: int
    practitioner_id: int
    weekday: int
    starts: time
    ends: time


def _aware(request, moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, org_zone(request.auth.organization))
    return moment


def _require(request, roles):
    if not has_any(request.auth, roles):
        raise PermissionDenied


def _in_store(model, store, pk):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, organization_id=store.organization_id).first()
    if found is None:
        raise DeskError(
            _("%(what)s %(id)s is not one of this store's.")
            % {"what": model._meta.verbose_name, "id": pk}
        )
    return found


def _practitioner(store, pk):
    if pk is None:
        return None
    found = access.store_staff(store, Role.PRACTITIONER).filter(pk=pk).first()
    if found is None:
        raise DeskError(_("Choose a practitioner of this store."))
    return found


def _room(store, pk):
    if pk is None:
        return None
    found = Room.objects.filter(store=store, pk=pk).first()
    if found is None:
        raise DeskError(_("This room is not one of the store's."))
    return found


def _refused(exc: DeskError):
    return Status(400, {"detail": str(exc)})


@router.get("/appointments", response={200: list[AppointmentOut], 400: Message, 404: Message})
def list_appointments(
    request, store: ID, day: Day | None = None, days: Annotated[int, Field(ge=1, le=14)] = 1
):
    """A store's appointments from `day` (default today) for `days` days."""
    _require(request, access.CALENDAR_ROLES)
    store_obj = access.get_store_or_404(request.auth, access.calendar_stores(request.auth), store)
    first = day or local_date(store_obj.organization)
    start, _e = day_bounds(store_obj.organization, first)
    _s, end = day_bounds(store_obj.organization, first + timedelta(days=days - 1))
    return list(
        access.visible_appointments(request.auth)
        .filter(store=store_obj, starts_at__gte=start, starts_at__lt=end)
        .select_related("customer")
        .order_by("starts_at", "pk")[:5000]
    )


@router.post(
    "/appointments",
    response={201: AppointmentOut, 400: Message, 403: Message, 404: Message},
    summary="Book an appointment (refused outside the practitioner's shift or into an overlap)",
)
def create_appointment(request, body: AppointmentIn):
    _require(request, access.DESK_ROLES)
    staff = request.auth
    store = access.get_store_or_404(staff, access.desk_stores(staff), body.store_id)
    customer = access.get_desk_customer_or_404(staff, pk=body.customer_id)
    try:
        appointment = book_appointment(
            customer,
            starts_at=_aware(request, body.starts_at),
            actor=staff,
            store=store,
            practitioner=_practitioner(store, body.practitioner_id),
            room=_room(store, body.room_id),
            item=_in_store(Item, store, body.item_id),
            duration_minutes=body.duration_minutes,
            note=body.note,
        )
    except DeskError as exc:
        return _refused(exc)
    return Status(201, appointment)


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, 404: Message})
def get_appointment(request, appointment_id: ID):
    return access.get_appointment_or_404(request.auth, pk=appointment_id)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response={200: AppointmentOut, 400: Message, 403: Message, 404: Message},
)
def reschedule(request, appointment_id: ID, body: RescheduleIn):
    _require(request, access.DESK_ROLES)
    appointment = access.get_appointment_or_404(request.auth, for_desk=True, pk=appointment_id)
    try:
        return reschedule_appointment(
            appointment,
            actor=request.auth,
            starts_at=_aware(request, body.starts_at),
            duration_minutes=body.duration_minutes,
            practitioner=_practitioner(appointment.store, body.practitioner_id),
            room=_room(appointment.store, body.room_id),
        )
    except DeskError as exc:
        return _refused(exc)


@router.post(
    "/appointments/{appointment_id}/transition",
    response={200: AppointmentOut, 400: Message, 403: Message, 404: Message},
    summary="Change the state: confirmed, arrived, in_treatment, done, no_show, cancelled",
)
def change_state(request, appointment_id: ID, body: TransitionIn):
    staff = request.auth
    to = body.to.value
    treating = to in (Appointment.Status.IN_TREATMENT, Appointment.Status.DONE)
    appointment = access.get_appointment_or_404(staff, pk=appointment_id)
    own = appointment.practitioner_id == staff.pk and has_any(staff, {Role.PRACTITIONER})
    if not (treating and own):
        _require(request, access.DESK_ROLES)
        appointment = access.get_appointment_or_404(staff, for_desk=True, pk=appointment_id)
    try:
        if to == Appointment.Status.ARRIVED:
            return mark_arrived(appointment, actor=staff)
        if to == Appointment.Status.IN_TREATMENT:
            return start_treatment(appointment, actor=staff)
        if to == Appointment.Status.DONE:
            return finish_treatment(appointment, actor=staff, note=body.note)[0]
        return transition(appointment, to, actor=staff, reason=body.reason)
    except DeskError as exc:
        return _refused(exc)


@router.post(
    "/appointments/{appointment_id}/consultant",
    response={200: AppointmentOut, 400: Message, 403: Message, 404: Message},
    summary="Assign the receiving consultant (audited; may move the owner, see desk settings)",
)
def set_consultant(request, appointment_id: ID, body: ConsultantIn):
    _require(request, access.DESK_ROLES)
    appointment = access.get_appointment_or_404(request.auth, for_desk=True, pk=appointment_id)
    consultant = (
        access.store_staff(appointment.store, Role.CONSULTANT).filter(pk=body.consultant_id).first()
    )
    try:
        if consultant is None:
            raise DeskError(_("Choose a consultant of this store."))
        return assign_consultant(appointment, consultant, actor=request.auth)
    except DeskError as exc:
        return _refused(exc)


@router.get("/arrivals", response={200: list[ArrivalOut], 403: Message, 404: Message})
def list_arrivals(request, store: ID):
    """Today's appointments of the store, with waiting time and a proposed consultant."""
    _require(request, access.DESK_ROLES)
    store_obj = access.get_store_or_404(request.auth, access.desk_stores(request.auth), store)
    now = timezone.now()
    wait = desk_settings(store_obj.organization).wait_minutes
    rows = list(todays_arrivals(store_obj, now=now))
    for a in rows:
        a.waiting_minutes = waiting_minutes(a, now)
        proposal = propose_consultant(a, now=now, wait_minutes=wait)
        a.proposed_consultant_id = proposal.pk if proposal else None
    return rows


@router.post("/walk-ins", response={201: AppointmentOut, 400: Message, 403: Message, 404: Message})
def walk_in(request, body: WalkInIn):
    _require(request, access.DESK_ROLES)
    store = access.get_store_or_404(request.auth, access.desk_stores(request.auth), body.store_id)
    customer = access.get_desk_customer_or_404(request.auth, pk=body.customer_id)
    try:
        return Status(201, register_walk_in(customer, store=store, actor=request.auth))
    except DeskError as exc:
        return _refused(exc)


@router.get("/consultations", response={200: list[ConsultationOut], 403: Message})
def list_consultations(request, day: Day | None = None):
    _require(request, {*REPORT_ROLES, *access.DESK_ROLES})
    org = request.auth.organization
    start, end = day_bounds(org, day or local_date(org))
    return list(
        access.visible_consultations(request.auth)
        .filter(held_at__gte=start, held_at__lt=end)
        .order_by("held_at")[:5000]
    )


@router.post(
    "/consultations", response={201: ConsultationOut, 400: Message, 403: Message, 404: Message}
)
def create_consultation(request, body: ConsultationIn):
    _require(request, access.DESK_ROLES)
    appointment = access.get_appointment_or_404(request.auth, for_desk=True, pk=body.appointment_id)
    store = appointment.store
    consultant = access.store_staff(store, Role.CONSULTANT).filter(pk=body.consultant_id).first()
    try:
        if consultant is None:
            raise DeskError(_("Choose a consultant of this store."))
        items = list(
            Item.objects.filter(organization_id=store.organization_id, pk__in=body.item_ids)
        )
        if len(items) != len(set(body.item_ids)):
            raise DeskError(_("This item is not in the organization's catalog."))
        order = None
        if body.order_id is not None:
            order = Order.objects.filter(pk=body.order_id, customer=appointment.customer).first()
            if order is None:
                raise DeskError(_("This order is not the customer's."))
        consultation = record_consultation(
            appointment.customer,
            store=store,
            consultant=consultant,
            actor=request.auth,
            result=body.result.value,
            items=items,
            topics=body.topics,
            quoted_price=body.quoted_price,
            no_deal_reason=body.no_deal_reason.value if body.no_deal_reason else "",
            note=body.note,
            order=order,
            appointment=appointment,
        )
    except DeskError as exc:
        return _refused(exc)
    return Status(201, consultation)


@router.get("/shifts", response={200: list[ShiftOut], 403: Message, 404: Message})
def list_shifts(request, store: ID):
    _require(request, access.CALENDAR_ROLES)
    store_obj = access.get_store_or_404(request.auth, access.calendar_stores(request.auth), store)
    return list(Shift.objects.filter(store=store_obj))


@router.post("/shifts", response={201: ShiftOut, 400: Message, 403: Message, 404: Message})
def create_shift(request, body: ShiftIn):
    _require(request, access.ROSTER_ROLES)
    store = access.get_store_or_404(
        request.auth, access.desk_stores(request.auth, access.ROSTER_ROLES), body.store_id
    )
    try:
        practitioner = _practitioner(store, body.practitioner_id)
        shift = add_shift(
            store,
            practitioner,
            weekday=body.weekday,
            starts=body.starts,
            ends=body.ends,
            actor=request.auth,
        )
    except DeskError as exc:
        return _refused(exc)
    return Status(201, shift)


@router.delete("/shifts/{shift_id}", response={204: None, 403: Message, 404: Message})
def delete_shift(request, shift_id: ID):
    _require(request, access.ROSTER_ROLES)
    remove_shift(access.get_shift_or_404(request.auth, shift_id), actor=request.auth)
    return Status(204, None)


__all__ = ["router", "Http404"]
