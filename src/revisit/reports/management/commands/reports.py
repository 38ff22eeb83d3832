"""`revisit reports monthly --month YYYY-MM [--region CODE] [--out FILE.xlsx|.csv]`: each
store's monthly revisit report (status and figures) as a table;
`revisit reports due [--date YYYY-MM-DD]`: the monthly reports and region summaries due
or overdue, for a cron job that reminds by mail."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.core.services import resolve_organization
from revisit.core.spreadsheets import write_table
from revisit.reports import monthly
from revisit.reports.figures import region_figures
from revisit.reports.models import MonthlyFollowupReport

HEADER = ["门店", "状态", "回访次数", "回访顾客数", "积分增长顾客", "获得积分", "多次回访无增长"]


class Command(BaseCommand):
    help = "Monthly revisit reports: a table of the stores' month, or what is due."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        table = sub.add_parser("monthly", help="each store's report of a month")
        table.add_argument("--org")
        table.add_argument("--month", default="", help="YYYY-MM (default: this month)")
        table.add_argument("--region", default="", help="region code")
        table.add_argument("--out", default="", help="FILE.xlsx or FILE.csv")
        due = sub.add_parser("due", help="reports due or overdue, per person")
        due.add_argument("--org")
        due.add_argument("--date", default="", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **opts):
        org = resolve_organization(opts.get("org"))
        if opts["action"] == "due":
            return self._due(org, opts["date"])
        try:
            month = monthly.parse_month(opts["month"], default=local_date(org))
        except monthly.ReportError as error:
            raise CommandError(str(error)) from None
        stores = Store.objects.filter(organization=org).order_by("code")
        if opts["region"]:
            stores = stores.filter(region__code=opts["region"])
            if not stores.exists():
                raise CommandError(
                    "找不到该区域或区域内没有门店 (no such region, or no store in it)"
                )
        reports = {
            r.store_id: r
            for r in MonthlyFollowupReport.objects.filter(store__in=stores, month=month)
        }
        figures = region_figures(list(stores), month, reports)
        names = {s.pk: str(s) for s in stores}
        labels = dict(MonthlyFollowupReport.Status.choices)
        rows = [
            [
                names[r["store"]],
                str(labels.get(r["status"], "未开始")),
                r["contacts_total"],
                r["customers"],
                r["grew"],
                r["earned"],
                r["no_growth_repeat"],
            ]
            for r in figures["stores"]
        ]
        if opts["out"]:
            if not opts["out"].lower().endswith((".xlsx", ".csv")):
                raise CommandError("--out 须为 .xlsx 或 .csv 文件 (FILE.xlsx or FILE.csv)")
            count = write_table(opts["out"], HEADER, rows)
            self.stdout.write(f"{month:%Y-%m}：{count} 家门店 → {opts['out']}")
            return
        self.stdout.write("\t".join(HEADER))
        for row in rows:
            self.stdout.write("\t".join(str(v) for v in row))

    def _due(self, org, raw):
        try:
            today = date.fromisoformat(raw) if raw else local_date(org)
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{raw[:40]}") from None
        people = Staff.objects.filter(organization=org, is_active=True).prefetch_related(
            "role_assignments"
        )
        count = 0
        for person in people.order_by("username"):
            for reminder in monthly.reminders(person, today=today):
                flag = "（已逾期）" if reminder.overdue else ""
                self.stdout.write(f"{person.username}\t{reminder.text}{flag}")
                count += 1
        if not count:
            self.stdout.write("没有到期的月报 (nothing due)")
