"""Message campaigns (群发): the list, one send's page (its audience, counts, test send,
approval and report) and the actions on it. Created from the 发送消息 page."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.core.models import Role, Staff
from revisit.customers.models import Channel, Tier
from revisit.messaging.campaign_models import MessageCampaign
from revisit.messaging.campaign_sends import (
    approve_campaign,
    campaign_report,
    cancel_campaign,
    get_campaign_or_404,
    may_approve,
    reject_campaign,
    submit_campaign,
    test_send,
    visible_campaigns,
)
from revisit.messaging.models import MessageChannel, Suppression
from revisit.messaging.rendering import TemplateError
from revisit.messaging.services import MessagingError
from revisit.web import permissions as perm
from revisit.web.message_forms import CampaignDecisionForm, CampaignTestForm
from revisit.web.params import answers_bad_parameters, parse_page

PAGE_SIZE = 50


@perm.require_roles(perm.MESSAGE_VIEW_ROLES)
@answers_bad_parameters
def campaign_list(request):
    page = parse_page(request.GET.get("page"))
    rows = visible_campaigns(request.user).select_related("template", "store", "created_by")
    status = request.GET.get("status", "")
    if status in MessageCampaign.Status.values:
        rows = rows.filter(status=status)
    start = (page - 1) * PAGE_SIZE
    listed = list(rows.order_by("-created_at", "-id")[start : start + PAGE_SIZE + 1])
    for c in listed:
        c.approvable = c.status == MessageCampaign.Status.PENDING and may_approve(request.user, c)
    return render(
        request,
        "web/messages/campaigns.html",
        {
            "rows": listed[:PAGE_SIZE],
            "page": page,
            "has_next": len(listed) > PAGE_SIZE,
            "query": f"status={status}" if status in MessageCampaign.Status.values else "",
            "statuses": MessageCampaign.Status.choices,
            "status": status,
            "may_send": perm.has_any(request.user, perm.MESSAGE_SEND_ROLES),
        },
    )


def _described_filters(campaign) -> list[tuple[str, str]]:
    """The audience filter as (label, value) pairs a person reads."""
    from revisit.grading.models import Segment

    f = campaign.filters or {}
    org = campaign.organization
    shown = []
    if f.get("segment"):
        shown.append((_("Segment"), dict(Segment.choices).get(f["segment"], "—")))
    if f.get("tier"):
        shown.append((_("Tier"), dict(Tier.choices).get(f["tier"], "—")))
    if f.get("channel"):
        shown.append((_("Channel"), dict(Channel.choices).get(f["channel"], "—")))
    if f.get("tag"):
        tag = org.tags.filter(pk=f["tag"]).first()
        shown.append((_("Tag"), tag.name if tag else "—"))
    if f.get("store"):
        store = org.stores.filter(pk=f["store"]).first()
        shown.append((_("Store"), str(store) if store else "—"))
    if f.get("owner"):
        owner = Staff.objects.filter(organization=org, pk=f["owner"]).first()
        shown.append((_("Owner"), str(owner) if owner else "—"))
    if f.get("visited_after"):
        shown.append((_("Last visit from"), f["visited_after"]))
    if f.get("visited_before"):
        shown.append((_("Last visit until"), f["visited_before"]))
    if f.get("membership"):
        shown.append((_("Members"), MessageCampaign.Membership(f["membership"]).label))
    return shown or [(_("Customers"), _("Everyone you may see"))]


@perm.require_roles(perm.MESSAGE_VIEW_ROLES)
def campaign_detail(request, pk):
    campaign = get_campaign_or_404(request.user, pk=pk)
    staff = request.user
    is_author = staff.pk == campaign.created_by_id or staff.has_role(Role.ADMIN)
    editable = campaign.status in (MessageCampaign.Status.DRAFT, MessageCampaign.Status.PENDING)
    labels = dict(Suppression.choices)
    report = campaign_report(campaign) if campaign.status == MessageCampaign.Status.QUEUED else None
    if report:
        report["suppressed"] = [(labels.get(code, "—"), n) for code, n in report["suppressed"]]
    return render(
        request,
        "web/messages/campaign.html",
        {
            "campaign": campaign,
            "filters": _described_filters(campaign),
            "held": [
                (labels.get(code, "—"), n)
                for code, n in sorted(campaign.suppressed.items(), key=lambda x: -x[1])
            ],
            "report": report,
            "may_test": editable
            and is_author
            and perm.has_any(staff, perm.MESSAGE_SEND_ROLES)
            and campaign.template.channel != MessageChannel.LETTER,
            "test_form": CampaignTestForm(initial={"to": staff.email or ""}),
            "may_submit": campaign.status == MessageCampaign.Status.DRAFT
            and is_author
            and perm.has_any(staff, perm.MESSAGE_SEND_ROLES),
            "may_cancel": editable and is_author and perm.has_any(staff, perm.MESSAGE_SEND_ROLES),
            "may_decide": campaign.status == MessageCampaign.Status.PENDING
            and may_approve(staff, campaign),
            "own_pending": campaign.status == MessageCampaign.Status.PENDING
            and staff.pk == campaign.created_by_id,
            "decision_form": CampaignDecisionForm(),
        },
    )


def _act(request, pk, action):
    campaign = get_campaign_or_404(request.user, pk=pk)
    try:
        action(campaign)
    except (MessagingError, TemplateError) as exc:
        flash.error(request, str(exc))
    return redirect("message_campaign", pk=campaign.pk)


@require_POST
@perm.require_roles(perm.MESSAGE_SEND_ROLES)
def campaign_test(request, pk):
    form = CampaignTestForm(request.POST)
    to = form.cleaned_data["to"] if form.is_valid() else ""

    def run(campaign):
        if not form.is_valid():
            raise MessagingError(_("Give your own mobile number."))
        shown = test_send(campaign, actor=request.user, to=to)
        flash.success(request, _("A test was sent to %(to)s.") % {"to": shown})

    return _act(request, pk, run)


@require_POST
@perm.require_roles(perm.MESSAGE_SEND_ROLES)
def campaign_submit(request, pk):
    def run(campaign):
        submit_campaign(campaign, actor=request.user)
        from revisit.web.views.messaging import _flash_submitted

        _flash_submitted(request, campaign)

    return _act(request, pk, run)


@require_POST
@perm.require_roles(perm.MESSAGE_SEND_ROLES)
def campaign_decide(request, pk):
    form = CampaignDecisionForm(request.POST)

    def run(campaign):
        if not may_approve(request.user, campaign):
            raise PermissionDenied
        if not form.is_valid():
            raise MessagingError(
                _("Choose approve or reject; the note has at most 200 characters.")
            )
        note = form.cleaned_data["note"]
        if form.cleaned_data["decision"] == "approve":
            approve_campaign(campaign, actor=request.user, note=note)
            flash.success(
                request,
                _("Approved: %(n)s messages queued.") % {"n": campaign.recipient_count},
            )
        else:
            reject_campaign(campaign, actor=request.user, note=note)
            flash.info(request, _("Rejected; nothing was sent."))

    return _act(request, pk, run)


@require_POST
@perm.require_roles(perm.MESSAGE_SEND_ROLES)
def campaign_cancel(request, pk):
    def run(campaign):
        cancel_campaign(campaign, actor=request.user)
        flash.info(request, _("Cancelled; nothing was sent."))

    return _act(request, pk, run)
