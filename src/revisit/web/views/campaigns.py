"""Campaigns: the organization's admin creates, edits and ends them; store managers and
region supervisors read them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.core.access import get_org_record_or_404
from revisit.core.clock import local_date
from revisit.outreach.campaigns import (
    CampaignError,
    create_campaign,
    end_campaign,
    update_campaign,
)
from revisit.outreach.models import Campaign
from revisit.web.campaign_forms import CampaignForm
from revisit.web.views.settings import _render, _saved, settings_page


def _status(campaign: Campaign, today) -> str:
    if campaign.ended_on is not None and campaign.ended_on <= campaign.starts_on:
        return _("Called off")
    if campaign.last_day < today:
        return _("Ended")
    if campaign.starts_on > today:
        return _("Upcoming")
    return _("Running")


@settings_page
def campaign_list(request):
    org = request.user.organization
    today = local_date(org)
    campaigns = [
        (c, _status(c, today), c.is_active_on(today) or c.starts_on > today)
        for c in Campaign.objects.filter(organization=org).order_by("-starts_on", "-id")
    ]
    return _render(
        request, "web/campaigns/list.html", _("Campaigns"), "campaigns", campaigns=campaigns
    )


def _form_page(request, form, title, campaign=None):
    return _render(
        request,
        "web/campaigns/form.html",
        title,
        "campaigns",
        form=form,
        campaign=campaign,
    )


@settings_page
def campaign_new(request):
    if not request.may_edit:
        raise PermissionDenied
    org = request.user.organization
    form = CampaignForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = create_campaign(org, form.values(), actor=request.user)
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Campaign created: %(name)s") % {"name": campaign.name})
            return redirect("campaigns")
    return _form_page(request, form, _("New campaign"))


@settings_page
def campaign_edit(request, pk: int):
    campaign = get_org_record_or_404(request.user, Campaign, pk=pk)
    form = CampaignForm(request.POST or None, organization=campaign.organization, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            diff = update_campaign(campaign, form.values(), actor=request.user)
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            _saved(request, diff)
            return redirect("campaigns")
    return _form_page(request, form, campaign.name, campaign)


@require_POST
@settings_page
def campaign_end(request, pk: int):
    campaign = get_org_record_or_404(request.user, Campaign, pk=pk)
    try:
        end_campaign(campaign, actor=request.user)
    except CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Campaign ended: %(name)s") % {"name": campaign.name})
    return redirect("campaigns")
