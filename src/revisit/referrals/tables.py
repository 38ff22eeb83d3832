"""The referral KPI and statistics tables as header and rows, for the pages' downloads
and `revisit referrals report --table`."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from revisit.core.access import visible_leads
from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.referrals.kpis import role_kpis, staff_kpis
from revisit.referrals.reports import rebate_usage
from revisit.referrals.statistics import (
    DEVIATION_METRICS,
    by_product,
    by_referrer_tier,
    channel_share,
    daily_deviation,
    deviation_by,
    referral_timing,
)


def role_label(role: str) -> str:
    return str(dict(Role.choices).get(role, _("No role with a target")))


def percent(value) -> str:
    return "" if value is None else f"{value:.1%}"


KPI_HEADER = [
    _lazy("Staff member"),
    _lazy("Role"),
    _lazy("Old customers"),
    _lazy("Satisfied customers"),
    _lazy("Customers served this month"),
    _lazy("Registrations"),
    _lazy("Registrations target"),
    _lazy("Arrivals"),
    _lazy("Arrivals target"),
    _lazy("Deals"),
    _lazy("Deals target"),
    _lazy("Revenue"),
    _lazy("Revenue target"),
]


def kpi_row(kpi, name: str) -> list:
    t = kpi.targets
    return [
        name,
        role_label(kpi.role),
        kpi.old_total,
        kpi.satisfied,
        kpi.served,
        kpi.registrations,
        t.get("registrations", ""),
        kpi.arrivals,
        t.get("arrivals", ""),
        kpi.deals,
        t.get("deals", ""),
        kpi.revenue,
        t.get("revenue", ""),
    ]


DEVIATION_TABLES = {
    "deviation_staff": "staff",
    "deviation_groups": "groups",
    "deviation_products": "products",
}
STAT_TABLES = {"products", "tiers", "timing", "daily", "channel", *DEVIATION_TABLES}


def _metric_labels():
    return dict(
        zip(
            DEVIATION_METRICS,
            (_("Registrations"), _("Arrivals"), _("Deals"), _("Revenue")),
            strict=True,
        )
    )


def deviation_table(name: str, staff, month, as_of=None):
    """(header, rows) of the deviation per staff member, customer group or product."""
    by = DEVIATION_TABLES[name]
    first = {"staff": _("Staff member"), "groups": _("Customer group"), "products": _("Product")}
    header = [first[by]]
    for label in _metric_labels().values():
        header += [
            f"{label} {_('monthly target')}",
            f"{label} {_('target to date')}",
            f"{label} {_('actual')}",
            f"{label} {_('deviation to date')}",
        ]
    as_of = as_of or local_date(staff.organization)
    rows = []
    for row in deviation_by(staff, month, by, as_of=as_of):
        line = [row["label"]]
        for metric in DEVIATION_METRICS:
            cell = row[metric]
            line += [cell["target"], cell["to_date"], cell["actual"], cell["deviation"]]
        rows.append(line)
    return header, rows


def channel_table(staff, month):
    """(header, rows): the channel's share of revenue against its target, and the share
    of the granted rebates that has been spent."""
    figures = channel_share(staff, month)
    return [_("Figure"), _("Value of the figure")], [
        [_("Referral revenue"), figures["revenue"]],
        [_("All revenue"), figures["total"]],
        [_("Share of revenue"), percent(figures["share"])],
        [_("Target share of revenue"), percent(figures["target"])],
        [_("Rebates used"), percent(rebate_usage(visible_leads(staff)))],
    ]


def statistics_table(name: str, staff, month, person=None, as_of=None):
    """(header, rows) of one statistics table for the download."""
    if name in DEVIATION_TABLES:
        return deviation_table(name, staff, month, as_of)
    if name == "channel":
        return channel_table(staff, month)
    leads = visible_leads(staff)
    if name in ("products", "tiers"):
        rows = by_product(leads, month) if name == "products" else by_referrer_tier(leads, month)
        products = name == "products"
        header = [
            _("Product") if products else _("Referrer tier"),
            *([_("Appointments booked")] if products else []),
            _("Registered"),
            _("Arrived"),
            _("Deals"),
            _("Revenue"),
            _("Share of arrivals"),
            _("Share of revenue"),
        ]
        return header, (
            [
                r.label,
                *([r.booked] if products else []),
                r.registered,
                r.arrived,
                r.deals,
                r.revenue,
                percent(r.arrived_share),
                percent(r.revenue_share),
            ]
            for r in rows
        )
    if name == "timing":
        return [_("Time since the referrer's last treatment"), _("Referrals"), _("Share")], (
            [str(b["label"]), b["count"], percent(b["share"])]
            for b in referral_timing(leads, month)
        )
    header = [_("Date")]
    for metric in _metric_labels().values():
        header += [
            f"{metric} {_('target')}",
            f"{metric} {_('actual')}",
            f"{metric} {_('deviation')}",
            f"{metric} {_('deviation to date')}",
        ]
    rows = []
    for row in daily_deviation(staff, month, person=person):
        line = [row["day"].isoformat()]
        for metric in DEVIATION_METRICS:
            cell = row[metric]
            line += [cell["target"], cell["actual"], cell["deviation"], cell["to_date"]]
        rows.append(line)
    return header, rows


KPI_TABLES = {"staff", "roles"}


def kpi_table(name: str, staff, month):
    """(header, rows) of the KPIs per staff member (`staff`) or per role (`roles`)."""
    rows = staff_kpis(staff, month=month)
    if name == "staff":
        return KPI_HEADER, [kpi_row(k, str(k.staff)) for k in rows]
    return KPI_HEADER, [kpi_row(k, "") for k in role_kpis(rows)]


def report_table(name: str, staff, month, person=None, as_of=None):
    """(header, rows) of any report table: the KPIs per staff member or role, or one of
    the statistics (the pages' downloads, the command and the API read these)."""
    if name in KPI_TABLES:
        return kpi_table(name, staff, month)
    return statistics_table(name, staff, month, person=person, as_of=as_of)
