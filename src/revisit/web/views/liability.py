"""The liability report: what each store owes its customers in stored value, credit,
points, course-card sessions and gift and family cards, and what expires next month.
The admin reads every store, a region supervisor her region's, a store manager her own;
another store asked for by id is missing (404)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.wallet.liability import get_liability_store_or_404, liability, liability_stores
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.permissions import REPORT_ROLES, require_roles


@require_roles(REPORT_ROLES)
def liability_report(request):
    org = request.user.organization
    stores = liability_stores(request.user)
    chosen = None
    if request.GET.get("store"):
        chosen = get_liability_store_or_404(request.user, request.GET["store"])
        stores = stores.filter(pk=chosen.pk)
    # Accounts that belong to no store (no store, no home store) are the admin's to see.
    unassigned = chosen is None and request.user.has_role(Role.ADMIN)
    report = liability(org, stores=stores, today=local_date(org), with_unassigned=unassigned)
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name="liability" + (f"-{chosen.code}" if chosen else ""),
            header=[
                _("Store"),
                _("Stored value"),
                _("Credit"),
                _("Points"),
                _("Points value"),
                _("Sessions left"),
                _("Sessions value"),
                _("Gift card"),
                _("Family card"),
                _("Total owed"),
                _("Expiring next month"),
            ],
            rows=(
                [
                    r.store or _("No store"),
                    r.stored_value,
                    r.credit,
                    int(r.points),
                    r.points_value,
                    int(r.sessions),
                    r.sessions_value,
                    r.gift_card,
                    r.family_card,
                    r.total,
                    r.expiring_value,
                ]
                for r in [*report.rows, report.total]
            ),
        )
    return render(
        request,
        "web/reports/liability.html",
        {
            "report": report,
            "chosen": chosen,
            "stores": liability_stores(request.user).order_by("name"),
        },
    )
