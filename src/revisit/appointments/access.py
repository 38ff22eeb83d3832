"""Who may see which stores' desks, appointments and consultations.

  admin              every store of the organization
  region_supervisor  the stores of the region (reading)
  store roles        their store(s); a practitioner only her own appointments

Missing and forbidden look the same (Http404). The desk works on customers of its
store(s) as well as on the customers the person may see anyway (a walk-in belongs to the
store before she belongs to anyone).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from revisit.appointments.models import Appointment, Consultation, Leave, Room, Shift
from revisit.core.access import visible_customers
from revisit.core.models import Role, Staff, Store
from revisit.customers.models import Customer

# Roles that book, mark arrivals and record consultations at the desk.
DESK_ROLES = {Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK, Role.CONSULTANT, Role.CALLER}
# Roles that keep the roster and the rooms of a store.
ROSTER_ROLES = {Role.ADMIN, Role.STORE_MANAGER}
CALENDAR_ROLES = {*DESK_ROLES, Role.REGION_SUPERVISOR, Role.PRACTITIONER}


def _active(staff: Staff) -> bool:
    return staff.is_authenticated and staff.is_active and staff.organization_id is not None


def calendar_stores(staff: Staff) -> QuerySet[Store]:
    """The stores whose calendar `staff` may open."""
    if not _active(staff):
        return Store.objects.none()
    stores = Store.objects.filter(organization_id=staff.organization_id)
    assignments = list(staff.role_assignments.all())
    if any(a.role == Role.ADMIN for a in assignments):
        return stores
    return stores.filter(
        Q(pk__in=[a.store_id for a in assignments if a.store_id])
        | Q(region_id__in=[a.region_id for a in assignments if a.region_id])
    )


def _desk_store_ids(staff: Staff, roles) -> list[int] | None:
    """The ids of the stores where `staff` works the desk with one of `roles`; None for
    every store of her organization (the admin)."""
    assignments = list(staff.role_assignments.all())
    if Role.ADMIN in roles and any(a.role == Role.ADMIN for a in assignments):
        return None
    return [a.store_id for a in assignments if a.role in roles and a.store_id]


def desk_stores(staff: Staff, roles=DESK_ROLES) -> QuerySet[Store]:
    """The stores where `staff` works the desk (or, with `roles`, keeps the roster)."""
    if not _active(staff):
        return Store.objects.none()
    stores = Store.objects.filter(organization_id=staff.organization_id)
    ids = _desk_store_ids(staff, roles)
    return stores if ids is None else stores.filter(pk__in=ids)


def works_desk_at(staff: Staff, store: Store | None, roles=DESK_ROLES) -> bool:
    """Whether `store` is one of desk_stores(staff, roles), from her roles (read with
    her) rather than a query."""
    if store is None or not _active(staff) or store.organization_id != staff.organization_id:
        return False
    ids = _desk_store_ids(staff, roles)
    return ids is None or store.pk in ids


def visible_appointments(staff: Staff) -> QuerySet[Appointment]:
    """The appointments `staff` may see."""
    if not _active(staff):
        return Appointment.objects.none()
    assignments = list(staff.role_assignments.all())
    appointments = Appointment.objects.filter(organization_id=staff.organization_id)
    if any(a.role == Role.ADMIN for a in assignments):
        return appointments
    stores = [a.store_id for a in assignments if a.store_id and a.role != Role.PRACTITIONER]
    regions = [a.region_id for a in assignments if a.region_id]
    scope = Q(store_id__in=stores) | Q(store__region_id__in=regions)
    if any(a.role == Role.PRACTITIONER for a in assignments):
        scope |= Q(practitioner_id=staff.pk)
    return appointments.filter(scope)


def desk_appointments(staff: Staff) -> QuerySet[Appointment]:
    """The appointments `staff` may change at the desk."""
    return visible_appointments(staff).filter(store__in=desk_stores(staff))


def desk_customers(staff: Staff) -> QuerySet[Customer]:
    """The customers the desk may find and book: those `staff` sees anyway, and those
    whose home store is one of her desk stores."""
    stores = desk_stores(staff)
    if not _active(staff):
        return Customer.objects.none()
    return Customer.objects.filter(organization_id=staff.organization_id).filter(
        Q(pk__in=visible_customers(staff).values("pk")) | Q(home_store__in=stores)
    )


def visible_consultations(staff: Staff) -> QuerySet[Consultation]:
    """Consultations at the stores whose calendar `staff` may open; a consultant her own
    and her store's, a practitioner none."""
    if not _active(staff):
        return Consultation.objects.none()
    stores = desk_stores(staff, roles={*DESK_ROLES, Role.REGION_SUPERVISOR})
    regions = [a.region_id for a in staff.role_assignments.all() if a.region_id]
    return Consultation.objects.filter(organization_id=staff.organization_id).filter(
        Q(store__in=stores) | Q(store__region_id__in=regions)
    )


def _one(queryset, lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, queryset.model.MultipleObjectsReturned, ValueError):
        raise Http404 from None


def get_appointment_or_404(staff: Staff, *, for_desk: bool = False, **lookup) -> Appointment:
    queryset = desk_appointments(staff) if for_desk else visible_appointments(staff)
    return _one(queryset.select_related("customer", "store", "practitioner", "room"), lookup)


def get_consultation_or_404(staff: Staff, **lookup) -> Consultation:
    return _one(visible_consultations(staff), lookup)


def get_store_or_404(staff: Staff, stores: QuerySet[Store], pk) -> Store:
    return _one(stores, {"pk": pk})


def get_desk_customer_or_404(staff: Staff, **lookup) -> Customer:
    return _one(desk_customers(staff), lookup)


def roster_shifts(staff: Staff) -> QuerySet[Shift]:
    return Shift.objects.filter(store__in=desk_stores(staff, ROSTER_ROLES))


def roster_leaves(staff: Staff) -> QuerySet[Leave]:
    return Leave.objects.filter(store__in=desk_stores(staff, ROSTER_ROLES))


def roster_rooms(staff: Staff) -> QuerySet[Room]:
    return Room.objects.filter(store__in=desk_stores(staff, ROSTER_ROLES))


def get_shift_or_404(staff: Staff, pk) -> Shift:
    return _one(roster_shifts(staff), {"pk": pk})


def get_leave_or_404(staff: Staff, pk) -> Leave:
    return _one(roster_leaves(staff), {"pk": pk})


def get_room_or_404(staff: Staff, pk) -> Room:
    return _one(roster_rooms(staff), {"pk": pk})


def store_staff(store: Store, role: str) -> QuerySet[Staff]:
    """Active staff holding `role` at `store`."""
    return (
        Staff.objects.filter(
            organization_id=store.organization_id,
            is_active=True,
            role_assignments__role=role,
            role_assignments__store=store,
        )
        .distinct()
        .order_by("display_name", "username")
    )
