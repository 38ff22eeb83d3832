"""Who may see which customers. Every read of customer data goes through here.

The scope of a staff member is the union of the scopes of their role assignments, always
inside their own organization:

  admin              every customer of the organization
  region_supervisor  customers whose home store is in the region
  store_manager      customers whose home store is the store
  consultant         customers they own
  caller             customers on their call lists (not cancelled tasks)
  practitioner       customers they have served (order lines they performed)
  front_desk         customers whose home store is the store (the desk registers them)

A record outside the scope is treated as missing: `get_customer_or_404` raises Http404
for both, so that nobody can probe which codes exist.

Imports have their own, narrower scope (`import_stores`, `importable_customers`,
`visible_import_runs`): an import writes, so a role imports only into stores it manages.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from revisit.core.audit import record_event
from revisit.core.models import Job, Role, Staff, Store
from revisit.customers.models import Customer
from revisit.imports.models import ImportRun
from revisit.outreach.models import CallTask
from revisit.referrals.models import Lead, Reward
from revisit.sales.models import Order, OrderLine
from revisit.wallet.models import Account


def _scope_filter(staff: Staff) -> Q | None:
    """The customer filter for all of a staff member's roles, or None for no access."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return None
    parts: list[Q] = []
    for assignment in staff.role_assignments.all():
        match assignment.role:
            case Role.ADMIN:
                return Q()  # the whole organization; nothing wider can be added
            case Role.REGION_SUPERVISOR:
                parts.append(Q(home_store__region_id=assignment.region_id))
            case Role.STORE_MANAGER | Role.FRONT_DESK:
                parts.append(Q(home_store_id=assignment.store_id))
            case Role.CONSULTANT:
                parts.append(Q(owner_id=staff.pk))
            case Role.CALLER:
                tasks = CallTask.objects.filter(assignee_id=staff.pk).exclude(
                    status=CallTask.Status.CANCELLED
                )
                parts.append(Q(pk__in=tasks.values("customer_id")))
            case Role.PRACTITIONER:
                served = OrderLine.objects.filter(practitioner_id=staff.pk)
                parts.append(Q(pk__in=served.values("customer_id")))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def visible_customers(staff: Staff) -> QuerySet[Customer]:
    """The customers `staff` may see."""
    scope = _scope_filter(staff)
    if scope is None:
        return Customer.objects.none()
    return Customer.objects.filter(scope, organization_id=staff.organization_id)


def _customer_visible(staff: Staff) -> Exists:
    """A row's customer is one `staff` may see. EXISTS probes that customer by its key;
    an IN list would first collect every customer of the scope (SQLite reads all 12,000
    of a store's organization to show one customer's 50 lines)."""
    return Exists(visible_customers(staff).filter(pk=OuterRef("customer_id")))


def visible_orders(staff: Staff) -> QuerySet[Order]:
    """The orders of the customers `staff` may see."""
    return Order.objects.filter(_customer_visible(staff), organization_id=staff.organization_id)


def visible_order_lines(staff: Staff) -> QuerySet[OrderLine]:
    """The order lines of the customers `staff` may see."""
    return OrderLine.objects.filter(_customer_visible(staff), organization_id=staff.organization_id)


def visible_wallet_accounts(staff: Staff) -> QuerySet[Account]:
    """The wallet accounts (points, stored value, cards) of the customers `staff` may see."""
    return Account.objects.filter(_customer_visible(staff), organization_id=staff.organization_id)


def get_wallet_account_or_404(staff: Staff, **lookup) -> Account:
    """One wallet account of a visible customer; missing and forbidden both raise Http404."""
    try:
        return visible_wallet_accounts(staff).get(**lookup)
    except (Account.DoesNotExist, Account.MultipleObjectsReturned):
        raise Http404 from None


def visible_leads(staff: Staff) -> QuerySet[Lead]:
    """The referred people `staff` may see: those whose referrer or (once arrived) whose
    own card she may see, and those she registered herself."""
    if _scope_filter(staff) is None:
        return Lead.objects.none()
    customers = visible_customers(staff)
    return Lead.objects.filter(organization_id=staff.organization_id).filter(
        Exists(customers.filter(pk=OuterRef("referrer_id")))
        | Exists(customers.filter(pk=OuterRef("customer_id")))
        | Q(registered_by_id=staff.pk)
    )


def get_lead_or_404(staff: Staff, **lookup) -> Lead:
    """One referred person `staff` may see; missing and forbidden both raise Http404."""
    try:
        return visible_leads(staff).get(**lookup)
    except (Lead.DoesNotExist, Lead.MultipleObjectsReturned):
        raise Http404 from None


def get_reward_or_404(staff: Staff, **lookup) -> Reward:
    """One referral reward of a lead `staff` may see; missing and forbidden raise Http404."""
    try:
        return Reward.objects.filter(lead__in=visible_leads(staff)).get(**lookup)
    except (Reward.DoesNotExist, Reward.MultipleObjectsReturned):
        raise Http404 from None


def get_customer_or_404(staff: Staff, *, related: tuple[str, ...] = (), **lookup) -> Customer:
    """One visible customer; missing and forbidden both raise Http404. `related` names
    foreign keys to read with her (select_related)."""
    customers = visible_customers(staff)
    if related:
        customers = customers.select_related(*related)
    try:
        return customers.get(**lookup)
    except (Customer.DoesNotExist, Customer.MultipleObjectsReturned):
        raise Http404 from None


def aggregate_scope(staff: Staff) -> QuerySet[Customer] | None:
    """For counts over a whole organization (inventory tables): None when `staff` sees
    the whole organization (no filter needed, and much faster), else their customers."""
    return None if staff.has_role(Role.ADMIN) else visible_customers(staff)


# Who may see a full phone number (after an audited reveal) and export it.
REVEAL_PHONE_ROLES = [
    Role.ADMIN,
    Role.STORE_MANAGER,
    Role.CONSULTANT,
    Role.CALLER,
    Role.FRONT_DESK,
]
# Who may read a customer's health data (skin/health notes, allergies, medical history):
# the people who treat her and the managers. Everyone else sees that something is kept.
HEALTH_ROLES = [Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER, Role.PRACTITIONER]


def may_reveal_phones(staff: Staff) -> bool:
    return staff.is_authenticated and staff.has_role(*REVEAL_PHONE_ROLES)


# A list of full numbers is the business's customer base leaving the system. Seed 004
# gives the data to the system administrator (the manager or the store manager);
# consultants and callers reveal one number at a time, for the customer they call.
EXPORT_PHONE_ROLES = (Role.ADMIN, Role.STORE_MANAGER)


def may_export_phones(staff: Staff) -> bool:
    """Whether `staff` may download tables with full phone numbers (with a reason)."""
    return staff.is_authenticated and staff.has_role(*EXPORT_PHONE_ROLES)


def may_see_health(staff: Staff) -> bool:
    return staff.is_authenticated and staff.has_role(*HEALTH_ROLES)


def reveal_phone(staff: Staff, *, via: str, **lookup) -> Customer:
    """One visible customer whose full number `staff` may see; the reveal is audited.
    Raises Http404 outside the scope and PermissionDenied for roles that may not."""
    customer = get_customer_or_404(staff, **lookup)
    if not may_reveal_phones(staff):
        raise PermissionDenied
    record_event(
        customer.organization, actor=staff, action="phone.reveal", target=customer, via=via
    )
    return customer


def visible_audit_events(staff: Staff):
    """The audit log: the organization admin reads all of it, nobody else any."""
    from revisit.core.models import AuditEvent

    if not staff.is_authenticated or not staff.has_role(Role.ADMIN):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(organization_id=staff.organization_id)


def visible_staff(staff: Staff):
    """The accounts `staff` may look at: the admin all of the organization's, a store
    manager those with a role in her store(s), a region supervisor those in her region's
    stores; everyone else none."""
    if not staff.is_authenticated or staff.organization_id is None:
        return Staff.objects.none()
    in_org = Staff.objects.filter(organization_id=staff.organization_id)
    if staff.has_role(Role.ADMIN):
        return in_org
    stores = [a.store_id for a in staff.role_assignments.all() if a.role == Role.STORE_MANAGER]
    regions = [
        a.region_id for a in staff.role_assignments.all() if a.role == Role.REGION_SUPERVISOR
    ]
    if not stores and not regions:
        return Staff.objects.none()
    return in_org.filter(
        Q(role_assignments__store_id__in=stores) | Q(role_assignments__store__region_id__in=regions)
    ).distinct()


def get_staff_or_404(staff: Staff, **lookup) -> Staff:
    try:
        return visible_staff(staff).get(**lookup)
    except (Staff.DoesNotExist, Staff.MultipleObjectsReturned):
        raise Http404 from None


def visible_jobs(staff: Staff) -> QuerySet[Job]:
    """Background jobs `staff` may follow: the ones they started, and every job of the
    organization for its admin."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return Job.objects.none()
    jobs = Job.objects.filter(organization_id=staff.organization_id)
    return jobs if staff.has_role(Role.ADMIN) else jobs.filter(started_by_id=staff.pk)


def get_job_or_404(staff: Staff, **lookup) -> Job:
    """One visible job; missing and forbidden both raise Http404."""
    try:
        return visible_jobs(staff).get(**lookup)
    except (Job.DoesNotExist, Job.MultipleObjectsReturned, ValueError):
        raise Http404 from None


def import_stores(staff: Staff) -> QuerySet[Store]:
    """The stores whose customers and orders `staff` may import: every store of the
    organization for an admin, the managed store(s) for a store manager, none otherwise."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return Store.objects.none()
    stores = Store.objects.filter(organization_id=staff.organization_id)
    if staff.has_role(Role.ADMIN):
        return stores
    managed = [a.store_id for a in staff.role_assignments.all() if a.role == Role.STORE_MANAGER]
    return stores.filter(pk__in=managed)


def importable_customers(staff: Staff | None) -> QuerySet[Customer] | None:
    """The existing customers an import by `staff` may update: None means the whole
    organization (an admin, or the command line with no staff member); a store manager
    only the customers whose home store she manages (not those without a home store)."""
    if staff is None or staff.has_role(Role.ADMIN):
        return None
    return Customer.objects.filter(
        organization_id=staff.organization_id, home_store__in=import_stores(staff)
    )


def visible_import_runs(staff: Staff) -> QuerySet[ImportRun]:
    """The import runs (and so their rejected rows, raw values included) `staff` may read.

    An admin reads every run of the organization. A store manager reads the runs into a
    store she manages and the runs she started herself; a run without a store (an admin's
    import that took each row's store from the file) stays with admins and its starter.
    Everyone else reads none. Missing and forbidden are the same to callers (404)."""
    if not staff.is_authenticated or not staff.is_active or staff.organization_id is None:
        return ImportRun.objects.none()
    runs = ImportRun.objects.filter(organization_id=staff.organization_id)
    if staff.has_role(Role.ADMIN):
        return runs
    if staff.has_role(Role.STORE_MANAGER):
        return runs.filter(Q(store__in=import_stores(staff)) | Q(actor_id=staff.pk))
    return ImportRun.objects.none()


def get_import_run_or_404(staff: Staff, pk: int) -> ImportRun:
    """One import run `staff` may read; missing and forbidden both raise Http404."""
    try:
        return visible_import_runs(staff).get(pk=pk)
    except ImportRun.DoesNotExist:
        raise Http404 from None


def get_org_record_or_404(staff: Staff, model, **lookup):
    """One organization-wide record (a cadence, a strategy, an inventory) of `staff`'s own
    organization; another organization's, or a missing one, raises Http404."""
    queryset = getattr(model, "objects", model)
    try:
        return queryset.filter(organization_id=staff.organization_id).get(**lookup)
    except (queryset.model.DoesNotExist, queryset.model.MultipleObjectsReturned):
        raise Http404 from None
