"""The referral channel's KPI and statistics pages: per staff member and role against
their targets; by product, by the referrer's tier, the channel's share of revenue, the
time from treatment to referral and the daily deviation. Every table downloads as xlsx."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from revisit.core.access import visible_leads
from revisit.core.clock import local_date
from revisit.referrals.kpis import kpi_staff, month_of, role_kpis, staff_kpis
from revisit.referrals.reports import rebate_usage
from revisit.referrals.statistics import (
    DEVIATION_BY,
    DEVIATION_METRICS,
    by_product,
    by_referrer_tier,
    channel_share,
    daily_deviation,
    deviation_by,
    previous_months,
    referral_timing,
    referred_in,
)
from revisit.referrals.tables import (
    KPI_HEADER,
    STAT_TABLES,
    kpi_row,
    role_label,
    statistics_table,
)
from revisit.web import permissions as perm
from revisit.web.exports import xlsx_response
from revisit.web.params import BadParameter, answers_bad_parameters, id_param, parse_month


def _choice(raw: str | None, allowed, default: str) -> str:
    value = (raw or "").strip() or default
    if value not in allowed:
        raise BadParameter(_("Choose one of the listed values."))
    return value


@perm.require_roles(perm.REFERRAL_ROLES)
@answers_bad_parameters
def referral_kpis(request):
    """Each staff member's and each role's referral figures of a month against targets."""
    staff = request.user
    today = local_date(staff.organization)
    first = parse_month(request.GET.get("month"), default=today)
    table = _choice(request.GET.get("table"), {"staff", "roles"}, "staff")
    month = month_of(staff.organization, first)
    rows = staff_kpis(staff, month=month)
    roles = role_kpis(rows)
    for kpi in (*rows, *roles):
        kpi.role_label = role_label(kpi.role)
    if request.GET.get("export") == "xlsx":
        data = (
            (kpi_row(k, str(k.staff)) for k in rows)
            if table == "staff"
            else (kpi_row(k, "") for k in roles)
        )
        return xlsx_response(
            request,
            name=f"referral-kpis-{table}-{first:%Y-%m}",
            header=KPI_HEADER,
            rows=data,
        )
    return render(
        request,
        "web/referrals/kpis.html",
        {
            "month": first,
            "months": previous_months(today),
            "rows": rows,
            "roles": roles,
            "may_edit_targets": perm.has_any(staff, perm.SETTINGS_VIEW_ROLES),
        },
    )


@perm.require_roles(perm.REFERRAL_ROLES)
@answers_bad_parameters
def referral_statistics(request):
    """The channel's statistics of a month (see revisit.referrals.statistics)."""
    staff = request.user
    today = local_date(staff.organization)
    first = parse_month(request.GET.get("month"), default=today)
    month = month_of(staff.organization, first)
    people = list(kpi_staff(staff))
    person = None
    chosen = id_param(request.GET.get("staff"), required=False)
    if chosen is not None:
        # Someone outside the reader's staff is missing, whether she exists or not.
        person = next((p for p in people if p.pk == chosen), None)
        if person is None:
            raise Http404
    if request.GET.get("export") == "xlsx":
        table = _choice(request.GET.get("table"), STAT_TABLES, "products")
        header, rows = statistics_table(table, staff, month, person=person, as_of=today)
        return xlsx_response(
            request, name=f"referral-{table}-{first:%Y-%m}", header=header, rows=rows
        )
    if request.GET.get("table"):
        _choice(request.GET.get("table"), STAT_TABLES, "products")
    leads = visible_leads(staff)
    kpis = staff_kpis(staff, month=month)
    referred = referred_in(leads, month)
    deviations = {
        by: [
            {"label": row["label"], "cells": [row[m] for m in DEVIATION_METRICS]}
            for row in deviation_by(staff, month, by, as_of=today, kpis=kpis, referred=referred)
        ]
        for by in DEVIATION_BY
    }
    return render(
        request,
        "web/referrals/statistics.html",
        {
            "deviations": deviations,
            "rebate_usage": rebate_usage(leads),
            "month": first,
            "months": previous_months(today),
            "products": by_product(leads, month, referred),
            "tiers": by_referrer_tier(leads, month, referred),
            "share": channel_share(staff, month),
            "timing": referral_timing(leads, month),
            "daily": [
                {
                    "day": row["day"],
                    "cells": [row[m] for m in ("registrations", "arrivals", "deals", "revenue")],
                }
                for row in daily_deviation(staff, month, person=person, kpis=kpis)
            ],
            "people": people,
            "person": person,
        },
    )
