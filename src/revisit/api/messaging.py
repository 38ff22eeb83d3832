"""The messaging API: the organization's templates, the outbox (scoped like the pages,
phones masked) and queueing one message to a customer."""

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from revisit.api.schemas import ID, Day, Message, Pages
from revisit.core.access import get_customer_or_404
from revisit.core.clock import org_zone
from revisit.customers.phones import mask_phone
from revisit.messaging.access import visible_messages
from revisit.messaging.models import Message as OutboxMessage
from revisit.messaging.models import MessageChannel, MessageTemplate
from revisit.messaging.rendering import TemplateError
from revisit.messaging.services import MessagingError, queue_message
from revisit.web.permissions import MESSAGE_SEND_ROLES, MESSAGE_VIEW_ROLES, has_any

router = Router(tags=["messaging"])
Moment = Annotated[datetime, Field(description="ISO 8601; without a zone, local time")]
Context = Annotated[str, Field(max_length=40)]


class TemplateOut(Schema):
    id: int
    name: str
    channel: str
    purpose: str
    language: str
    audience: str
    subject: str
    body: str
    body_non_member: str
    is_active: bool


class OutboxOut(Schema):
    id: int
    customer_id: int
    customer_code: str
    channel: str
    purpose: str
    template: str | None
    to: str
    text: str
    due_at: datetime
    status: str
    status_label: str
    suppression_reason: str
    postponed: bool
    attempts: int
    provider_id: str
    sent_at: datetime | None
    delivered_at: datetime | None

    @staticmethod
    def resolve_customer_code(obj):
        return obj.customer.code

    @staticmethod
    def resolve_template(obj):
        return obj.template.name if obj.template_id else None

    @staticmethod
    def resolve_to(obj):
        return mask_phone(obj.recipient) if obj.channel == MessageChannel.SMS else "***"

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class QueueIn(Schema):
    customer_id: ID
    template_id: ID
    due_at: Moment | None = None
    date: Context = ""
    amount: Context = ""
    points: Context = ""
    card_pickup_date: Context = ""


def _require(request, roles):
    if not has_any(request.auth, roles):
        raise PermissionDenied


@router.get("/message-templates", response={200: list[TemplateOut], 403: Message})
def list_templates(request):
    _require(request, MESSAGE_VIEW_ROLES)
    return MessageTemplate.objects.filter(organization=request.auth.organization).order_by(
        "channel", "name"
    )


@router.get("/messages", response={200: list[OutboxOut], 403: Message})
@paginate(Pages)
def list_messages(
    request,
    status: Literal["", "queued", "sending", "sent", "failed", "suppressed"] = "",
    channel: Literal["", "sms", "wechat", "email", "letter"] = "",
    since: Day | None = None,
    until: Day | None = None,
):
    _require(request, MESSAGE_VIEW_ROLES)
    rows = visible_messages(request.auth).select_related("customer", "template")
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    zone = org_zone(request.auth.organization)
    if since:
        rows = rows.filter(due_at__gte=datetime.combine(since, datetime.min.time(), zone))
    if until:
        rows = rows.filter(due_at__lt=datetime.combine(until, datetime.max.time(), zone))
    return rows.order_by("-due_at", "-id")


@router.post(
    "/messages",
    response={201: OutboxOut, 400: Message, 403: Message, 404: Message},
    summary="Queue a template to one customer (the rules may keep it as 'suppressed')",
)
def queue(request, body: QueueIn):
    _require(request, MESSAGE_SEND_ROLES)
    staff = request.auth
    customer = get_customer_or_404(staff, pk=body.customer_id)
    template = MessageTemplate.objects.filter(
        organization=staff.organization, pk=body.template_id
    ).first()
    if template is None:
        return Status(404, {"detail": "template not found"})
    due = body.due_at
    if due is not None and timezone.is_naive(due):
        due = timezone.make_aware(due, org_zone(staff.organization))
    context = {
        k: v
        for k, v in body.dict().items()
        if k in ("date", "amount", "points", "card_pickup_date")
    }
    try:
        message = queue_message(customer, template=template, actor=staff, due=due, context=context)
    except (MessagingError, TemplateError) as error:
        return Status(400, {"detail": str(error)})
    return Status(
        201, OutboxMessage.objects.select_related("customer", "template").get(pk=message.pk)
    )
