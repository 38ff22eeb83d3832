"""The outbox (发件箱): messages with their status, the counts and why some were not
sent; and sending a template to a filtered set of customers, with the count of who
will not get it and why shown before confirming."""

from datetime import datetime, time, timedelta

from django.contrib import messages as flash
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from revisit.core.access import visible_customers
from revisit.core.clock import local_date, org_zone
from revisit.customers.phones import mask_phone
from revisit.messaging.access import visible_messages
from revisit.messaging.campaign_sends import (
    clean_filters,
    create_campaign,
    filter_customers,
    submit_campaign,
)
from revisit.messaging.models import Message, MessageChannel
from revisit.messaging.rendering import TemplateError
from revisit.messaging.rules import messaging_settings, suppression_counts
from revisit.messaging.services import MessagingError, queue_many
from revisit.web import permissions as perm
from revisit.web.message_forms import OutboxFilter, SendForm
from revisit.web.params import answers_bad_parameters, parse_page
from revisit.web.search import CustomerFilter

PAGE_SIZE = 100


def _filtered(form, staff):
    rows = visible_messages(staff)
    if not form.is_bound:
        return rows
    if not form.is_valid():
        return rows.none()
    d = form.cleaned_data
    if d.get("status"):
        rows = rows.filter(status=d["status"])
    if d.get("channel"):
        rows = rows.filter(channel=d["channel"])
    zone = org_zone(staff.organization)
    if d.get("since"):
        rows = rows.filter(due_at__gte=datetime.combine(d["since"], time(), zone))
    if d.get("until"):
        rows = rows.filter(
            due_at__lt=datetime.combine(d["until"] + timedelta(days=1), time(), zone)
        )
    return rows


def _shown(message: Message) -> str:
    if message.channel == MessageChannel.SMS:
        return mask_phone(message.recipient)
    if message.channel == MessageChannel.EMAIL and "@" in message.recipient:
        name, _, domain = message.recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return "—" if not message.recipient else "***"


@perm.require_roles(perm.MESSAGE_VIEW_ROLES)
@answers_bad_parameters
def outbox(request):
    form = OutboxFilter(request.GET or None)
    page = parse_page(request.GET.get("page"))
    rows = _filtered(form, request.user)
    labels = dict(Message.Status.choices)
    counts = {r["status"]: r["n"] for r in rows.values("status").annotate(n=Count("pk")).order_by()}
    status_counts = [(labels[s], counts.get(s, 0), s) for s in Message.Status.values]
    suppressed = suppression_counts(rows)
    postponed = rows.filter(status=Message.Status.QUEUED, postponed=True).count()
    start = (page - 1) * PAGE_SIZE
    listed = list(
        rows.select_related("customer", "template").order_by("-due_at", "-id")[
            start : start + PAGE_SIZE + 1
        ]
    )
    for message in listed:
        message.shown_to = _shown(message)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/messages/outbox.html",
        {
            "form": form,
            "rows": listed[:PAGE_SIZE],
            "status_counts": status_counts,
            "suppressed": suppressed,
            "postponed": postponed,
            "page": page,
            "has_next": len(listed) > PAGE_SIZE,
            "query": query.urlencode(),
            "may_send": perm.has_any(request.user, perm.MESSAGE_SEND_ROLES),
        },
    )


FILTER_FIELDS = (
    "q",
    "segment",
    "tier",
    "owner",
    "store",
    "channel",
    "tag",
    "visited_after",
    "visited_before",
)


@perm.require_roles(perm.MESSAGE_SEND_ROLES)
def send(request):
    """A message campaign (群发) from the customer list's filter (carried over from its
    发送消息 link) and a template. POST `confirm=0`: the count of who gets it and who does
    not, and why; `confirm=draft`: keep it as a draft (to test on oneself first);
    `confirm=1`: send (queued at once, or waiting for approval above the threshold)."""
    org = request.user.organization
    data = request.POST if request.method == "POST" else request.GET
    audience = CustomerFilter(
        {k: data.get(k, "") for k in FILTER_FIELDS},
        staff=request.user,
        scope=visible_customers(request.user),
    )
    form = SendForm(
        request.POST or None,
        organization=org,
        initial={"membership": request.GET.get("membership", "")},
    )
    batch, error = None, ""
    if request.method == "POST" and form.is_valid() and audience.is_valid():
        d = form.cleaned_data
        confirm = request.POST.get("confirm", "0")
        if audience.cleaned_data.get("q"):
            error = _(
                "A group send cannot use the name or phone search; narrow it with the "
                "other filters."
            )
        else:
            filters = {k: audience.cleaned_data.get(k) for k in FILTER_FIELDS if k != "q"}
            filters["membership"] = d.get("membership", "")
            name = d.get("name") or f"{d['template'].name} {local_date(org).isoformat()}"
            try:
                if confirm in ("1", "draft"):
                    campaign = create_campaign(
                        org,
                        actor=request.user,
                        name=name,
                        template=d["template"],
                        filters=filters,
                        date_value=d.get("date") or "",
                    )
                    if confirm == "1":
                        submit_campaign(campaign, actor=request.user)
                        _flash_submitted(request, campaign)
                    return redirect("message_campaign", pk=campaign.pk)
                scope = filter_customers(
                    visible_customers(request.user), org, clean_filters(org, filters)
                )
                batch = queue_many(
                    scope,
                    template=d["template"],
                    actor=request.user,
                    context={"date": d["date"]} if d.get("date") else None,
                    dry_run=True,
                )
            except (MessagingError, TemplateError) as exc:
                error = str(exc)
    threshold = messaging_settings(org).campaign_approval_threshold
    return render(
        request,
        "web/messages/send.html",
        {
            "form": form,
            "audience": audience,
            "batch": batch,
            "error": error,
            "threshold": threshold,
            "needs_approval": batch is not None and batch.queued > threshold,
        },
    )


def _flash_submitted(request, campaign):
    if campaign.status == campaign.Status.PENDING:
        flash.info(
            request,
            _("%(n)s recipients: the send waits for approval by a store manager or an admin.")
            % {"n": campaign.recipient_count},
        )
    else:
        held = sum(campaign.suppressed.values())
        flash.success(
            request,
            _("Queued %(queued)s messages; %(held)s not sent.")
            % {"queued": campaign.recipient_count, "held": held},
        )
