"""The REST API: token-authenticated, scoped and masked like the pages, paginated."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema, Status
from ninja.pagination import paginate

from revisit.api.auth import TokenAuth
from revisit.api.schemas import (
    ID,
    CallTaskOut,
    CardChangeOut,
    CardFields,
    CardIn,
    ConsentIn,
    ConsentOut,
    CorrectionIn,
    CustomerOut,
    Day,
    DuplicateOut,
    FollowUpIn,
    FollowUpOut,
    GradeOut,
    InventoryDetail,
    InventoryOut,
    Message,
    OrderOut,
    Pages,
    PhoneOut,
)
from revisit.api.validation import install as install_validation_messages
from revisit.core.access import (
    aggregate_scope,
    get_customer_or_404,
    may_see_health,
    visible_customers,
    visible_orders,
)
from revisit.core.access import (
    reveal_phone as access_reveal_phone,
)
from revisit.core.clock import local_date, org_zone
from revisit.customers.cards import (
    HEALTH_FIELDS,
    CardError,
    DuplicateMobile,
    card_owners,
    card_stores,
    correct_acquisition,
    register_customer,
    update_customer,
)
from revisit.customers.consents import SOURCE_API, set_consent
from revisit.customers.phones import display_phone
from revisit.customers.psychology import psychology_types
from revisit.grading.models import Inventory
from revisit.grading.reads import scoped_grades, segment_table
from revisit.outreach.followups import FollowUpError, record_followup
from revisit.outreach.models import CallTask
from revisit.web.permissions import INVENTORY_VIEW_ROLES, QUEUE_ROLES, has_any
from revisit.web.search import CustomerFilter

api = NinjaAPI(
    title="Revisit API",
    version="1",
    auth=TokenAuth(),
    docs_url="/docs",
    description="客户分级与回访 (customer grading and follow-up). "
    "Authorization: Bearer <token> (issue one with `revisit token create --user NAME`).",
)


class CustomerQuery(Schema):
    q: str = ""
    segment: str = ""
    tier: str = ""
    owner: ID | None = None
    store: ID | None = None
    channel: str = ""
    tag: ID | None = None
    visited_after: Day | None = None
    visited_before: Day | None = None


def _require(request, roles):
    if not has_any(request.auth, roles):
        raise PermissionDenied


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": _("Not allowed.")}, status=403)


install_validation_messages(api)


@api.exception_handler(Http404)
def _missing(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.get("/customers", response=list[CustomerOut], tags=["customers"])
@paginate(Pages)
def list_customers(request, filters: Query[CustomerQuery]):
    staff = request.auth
    params = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    form = CustomerFilter(params, staff=staff, scope=visible_customers(staff))
    if not form.is_valid():
        return visible_customers(staff).none()
    return form.customers().prefetch_related("consents").order_by(*form.ordering())


@api.get("/customers/{customer_id}", response={200: CustomerOut, 404: Message}, tags=["customers"])
def get_customer(request, customer_id: ID):
    return get_customer_or_404(request.auth, pk=customer_id)


# Card inputs that name another record by id, and where the caller may pick it from.
CARD_REFERENCES = {
    "home_store_id": ("home_store", lambda staff: card_stores(staff)),
    "referrer_id": ("referrer", lambda staff: visible_customers(staff)),
    "psychology_type_id": ("psychology_type", lambda staff: psychology_types(staff.organization)),
}


ID_FIELDS = {"home_store", "referrer", "psychology_type", "owner"}


def _card_values(staff, sent: dict) -> dict:
    """The card services' values from an API body: ids resolved within what the caller
    may choose (anything else is refused as not found, never as existing elsewhere)."""
    values = {}
    for key, value in sent.items():
        if key in CARD_REFERENCES:
            field, choices = CARD_REFERENCES[key]
            if value is None:
                values[field] = None
                continue
            found = choices(staff).filter(pk=value).first()
            if found is None:
                raise CardError(_("No such record among those you may choose."), field)
            values[field] = found
        else:
            values[key] = value
    return values


def _card_error(exc: CardError):
    # The body's name of the field: records are named by id.
    name = f"{exc.field}_id" if exc.field in ID_FIELDS else exc.field
    return Status(400, {"detail": f"{name}: {exc}" if name else str(exc)})


def _duplicate(staff, exc: DuplicateMobile):
    visible = visible_customers(staff).filter(pk=exc.existing.pk).exists()
    return Status(409, {"detail": str(exc), "existing_id": exc.existing.pk if visible else None})


@api.post(
    "/customers",
    response={201: CustomerOut, 400: Message, 403: Message, 409: DuplicateOut},
    tags=["customers"],
    summary="Register a customer (建档); a mobile number on another card is refused (409)",
)
def create_customer(request, body: CardIn):
    staff = request.auth
    sent = body.dict()
    owner_id, tags = sent.pop("owner_id"), sent.pop("tags")
    try:
        owner = None
        if owner_id is not None:
            owner = card_owners(staff).filter(pk=owner_id).first()
            if owner is None:
                raise CardError(_("Choose a consultant of your store."), "owner")
        customer = register_customer(
            staff.organization,
            actor=staff,
            values=_card_values(staff, sent),
            owner=owner,
            tags=tags,
        )
    except DuplicateMobile as exc:
        return _duplicate(staff, exc)
    except CardError as exc:
        return _card_error(exc)
    return Status(201, customer)


@api.patch(
    "/customers/{customer_id}",
    response={200: CustomerOut, 400: Message, 403: Message, 404: Message, 409: DuplicateOut},
    tags=["customers"],
    summary="Change fields of a card (only those sent); the change is kept in its history",
)
def edit_customer(request, customer_id: ID, body: CardFields):
    staff = request.auth
    customer = get_customer_or_404(staff, pk=customer_id)
    try:
        update_customer(
            customer, actor=staff, values=_card_values(staff, body.dict(exclude_unset=True))
        )
    except DuplicateMobile as exc:
        return _duplicate(staff, exc)
    except CardError as exc:
        return _card_error(exc)
    return get_customer_or_404(staff, pk=customer_id)


@api.post(
    "/customers/{customer_id}/acquisition-correction",
    response={200: CustomerOut, 400: Message, 403: Message, 404: Message},
    tags=["customers"],
    summary="An administrator corrects the channel and referrer, with a reason (audited)",
)
def correct_customer_acquisition(request, customer_id: ID, body: CorrectionIn):
    staff = request.auth
    customer = get_customer_or_404(staff, pk=customer_id)
    try:
        values = _card_values(staff, {"referrer_id": body.referrer_id})
        correct_acquisition(
            customer,
            actor=staff,
            channel=body.channel,
            referrer=values["referrer"],
            reason=body.reason,
        )
    except CardError as exc:
        return _card_error(exc)
    return get_customer_or_404(staff, pk=customer_id)


@api.get(
    "/customers/{customer_id}/history",
    response={200: list[CardChangeOut], 404: Message},
    tags=["customers"],
    summary="The card's field history; health values are hidden from roles that may not read them",
)
@paginate(Pages)
def customer_history(request, customer_id: ID):
    customer = get_customer_or_404(request.auth, pk=customer_id)
    changes = list(customer.changes.all()[:1000])
    if not may_see_health(request.auth):
        for change in changes:
            if change.field in HEALTH_FIELDS:
                change.before = change.after = ""
    return changes


@api.post(
    "/customers/{customer_id}/consents",
    response={200: ConsentOut, 404: Message},
    tags=["customers"],
    summary="Record the customer's yes or no to marketing on a channel (audited)",
)
def record_consent(request, customer_id: ID, body: ConsentIn):
    # Whoever may see the customer records what she said, as on the customer page.
    customer = get_customer_or_404(request.auth, pk=customer_id)
    return set_consent(
        customer,
        actor=request.auth,
        channel=body.channel.value,
        granted=body.granted,
        source=body.source.strip() or SOURCE_API,
    )


@api.post(
    "/customers/{customer_id}/phone",
    response={200: PhoneOut, 403: Message, 404: Message},
    tags=["customers"],
    summary="Reveal the full number (audited)",
)
def reveal_phone(request, customer_id: ID):
    customer = access_reveal_phone(request.auth, via="api", pk=customer_id)
    return {"mobile": display_phone(customer.mobile), "email": customer.email}


@api.get("/orders", response=list[OrderOut], tags=["orders"])
@paginate(Pages)
def list_orders(
    request,
    customer_id: ID | None = None,
    since: Day | None = None,
    until: Day | None = None,
):
    orders = visible_orders(request.auth).prefetch_related("lines")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if since:
        orders = orders.filter(order_date__gte=since)
    if until:
        orders = orders.filter(order_date__lte=until)
    return orders.order_by("-order_date", "-id")


def _inventory(request, inventory_id: ID) -> Inventory:
    _require(request, INVENTORY_VIEW_ROLES)
    return get_object_or_404(Inventory, pk=inventory_id, organization=request.auth.organization)


@api.get("/inventories", response={200: list[InventoryOut], 403: Message}, tags=["grading"])
@paginate(Pages)
def list_inventories(request):
    _require(request, INVENTORY_VIEW_ROLES)
    return Inventory.objects.filter(organization=request.auth.organization).order_by(
        "-as_of", "-id"
    )


@api.get(
    "/inventories/{inventory_id}",
    response={200: InventoryDetail, 403: Message, 404: Message},
    tags=["grading"],
)
def get_inventory(request, inventory_id: ID):
    inventory = _inventory(request, inventory_id)
    inventory.segments = [
        {**r, "label": str(r["label"])}
        for r in segment_table(inventory, aggregate_scope(request.auth))
    ]
    return inventory


@api.get(
    "/inventories/{inventory_id}/grades",
    response={200: list[GradeOut], 403: Message, 404: Message},
    tags=["grading"],
)
@paginate(Pages)
def list_grades(request, inventory_id: ID, segment: str = ""):
    inventory = _inventory(request, inventory_id)
    grades = scoped_grades(inventory, visible_customers(request.auth))
    if segment:
        grades = grades.filter(segment=segment)
    return grades.order_by("customer_id")


@api.get("/call-tasks", response={200: list[CallTaskOut], 403: Message}, tags=["outreach"])
@paginate(Pages)
def list_call_tasks(request, day: Day | None = None, status: str = ""):
    _require(request, QUEUE_ROLES)
    staff = request.auth
    tasks = CallTask.objects.filter(
        assignee=staff,
        organization=staff.organization,
        due_date=day or local_date(staff.organization),
    )
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("id")


@api.post(
    "/call-tasks/{task_id}/followups",
    response={200: FollowUpOut, 201: FollowUpOut, 400: Message, 403: Message, 404: Message},
    tags=["outreach"],
    summary="Record the outcome of a call task (a repeat returns the first record)",
)
def record_task_followup(request, task_id: ID, body: FollowUpIn):
    _require(request, QUEUE_ROLES)
    task = get_object_or_404(
        CallTask.objects.select_related("customer"),
        pk=task_id,
        assignee=request.auth,
        organization=request.auth.organization,
    )
    values = body.dict()
    if values["appointment_at"] is not None and timezone.is_naive(values["appointment_at"]):
        # A time without a zone is the organization's wall-clock time.
        values["appointment_at"] = timezone.make_aware(
            values["appointment_at"], org_zone(request.auth.organization)
        )
    try:
        recorded = record_followup(task, actor=request.auth, **values)
    except FollowUpError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201 if recorded.created else 200, recorded.followup)


@api.get(
    "/customers/{customer_id}/followups",
    response={200: list[FollowUpOut], 404: Message},
    tags=["outreach"],
)
@paginate(Pages)
def list_followups(request, customer_id: ID):
    customer = get_customer_or_404(request.auth, pk=customer_id)
    return customer.followups.order_by("-contacted_at")


from revisit.api.desk import router as desk_router  # noqa: E402 (after the handlers above)

api.add_router("", desk_router)

from revisit.api.referrals import router as referrals_router  # noqa: E402

api.add_router("", referrals_router)
from revisit.api.course_cards import router as course_cards_router  # noqa: E402

api.add_router("", course_cards_router)
from revisit.api.wallet import router as wallet_router  # noqa: E402

api.add_router("", wallet_router)
from revisit.api.messaging import router as messaging_router  # noqa: E402

api.add_router("", messaging_router)
from revisit.api.membership import router as membership_router  # noqa: E402

api.add_router("", membership_router)
from revisit.api.message_campaigns import router as message_campaigns_router  # noqa: E402

api.add_router("", message_campaigns_router)
from revisit.api.monthly_reports import router as monthly_reports_router  # noqa: E402

api.add_router("", monthly_reports_router)
from revisit.api.journeys import router as journeys_router  # noqa: E402

api.add_router("", journeys_router)
