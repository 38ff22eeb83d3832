"""The points and membership settings page: the admin edits, readers see the rules."""

from django.shortcuts import redirect
from django.utils.translation import gettext as _

from revisit.outreach.models import Campaign
from revisit.wallet.configure import update_points_settings
from revisit.wallet.points import points_settings
from revisit.web.points_forms import PointsSettingsForm
from revisit.web.views.settings import _render, _saved, readonly_rows, settings_page

CAMPAIGNS_SHOWN = 20


@settings_page
def points(request):
    org = request.user.organization
    campaigns = Campaign.objects.filter(organization=org).order_by("-starts_on", "-id")[
        :CAMPAIGNS_SHOWN
    ]
    form = PointsSettingsForm(
        request.POST or None, instance=points_settings(org), campaigns=campaigns
    )
    if request.method == "POST" and form.is_valid():
        _saved(request, update_points_settings(org, form.changes(), actor=request.user))
        return redirect("settings_points")
    return _render(
        request,
        "web/settings/form.html",
        _("Points and membership"),
        "settings_points",
        form=form,
        rows=readonly_rows(form),
    )
