"""The REST API: token-authenticated, scoped and masked like the pages, paginated."""

from datetime import date
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from revisit.api.auth import TokenAuth
from revisit.api.schemas import (
    MAX_ID,
    CallTaskOut,
    ConsentIn,
    ConsentOut,
    CustomerOut,
    FollowUpIn,
    FollowUpOut,
    GradeOut,
    InventoryDetail,
    InventoryOut,
    Message,
    OrderOut,
    PhoneOut,
)
from revisit.core.access import (
    aggregate_scope,
    get_customer_or_404,
    visible_customers,
    visible_orders,
)
from revisit.core.access import (
    reveal_phone as access_reveal_phone,
)
from revisit.core.clock import local_date, org_zone
from revisit.customers.consents import SOURCE_API, set_consent
from revisit.customers.phones import display_phone
from revisit.grading.models import Inventory
from revisit.grading.reads import scoped_grades, segment_table
from revisit.outreach.followups import FollowUpError, record_followup
from revisit.outreach.models import CallTask
from revisit.web.params import FIRST_DAY, LAST_DAY
from revisit.web.permissions import INVENTORY_VIEW_ROLES, QUEUE_ROLES, has_any
from revisit.web.search import CustomerFilter

# Database ids are 64-bit; a larger number cannot name anything and must not reach SQL.
ID = Annotated[int, Field(ge=1, le=MAX_ID)]
# Dates in the same bounds as the pages' (revisit.web.params); outside them, a typing mistake.
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
MAX_OFFSET = 10_000_000


class Pages(LimitOffsetPagination):
    """limit (1–200, default 50) and offset, both bounded."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=200)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


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
    return {"mobile": display_phone(customer.mobile)}


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
