"""`revisit referrals ...`: the referral channel from the command line, as a staff member
(--staff USERNAME), through the same services and scope as the pages:

  register --referrer CODE --name NAME [--mobile M] [--wechat W] [--items T]
           [--intention 1|2|3] [--store CODE] [--via CHANNEL] [--expected YYYY-MM-DD]
  attribute --lead ID [--referrer-came] [--asked-consultant] [--group]
  rewards                       propose the rewards of first orders that came in
  report [--month YYYY-MM] [--table TABLE --out FILE]
                                a month's figures, share of revenue, KPIs per role and
                                statistics; --table writes one table to a .csv/.xlsx:
                                staff|roles (KPIs), products|tiers|timing|daily|channel,
                                deviation_staff|deviation_groups|deviation_products
  export --out FILE.csv|.xlsx [--full-phones --reason TEXT]
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from revisit.appointments.management.commands._desk import acting_staff, found
from revisit.core.access import (
    get_customer_or_404,
    get_lead_or_404,
    may_export_phones,
    visible_leads,
)
from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.management.dates import iso_date
from revisit.core.models import Store
from revisit.core.spreadsheets import write_table
from revisit.customers.phones import display_phone, mask_phone
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.exports import HEADER, PHONE_COLUMN, lead_rows
from revisit.referrals.kpis import month_of, role_kpis, staff_kpis
from revisit.referrals.leads import register_lead
from revisit.referrals.policy import ReferralError
from revisit.referrals.reports import channel_figures
from revisit.referrals.rewards import propose_due_rewards
from revisit.referrals.statistics import (
    by_product,
    by_referrer_tier,
    channel_share,
    referral_timing,
    referred_in,
)
from revisit.referrals.tables import (
    KPI_TABLES,
    STAT_TABLES,
    percent,
    report_table,
    role_label,
)


class Command(BaseCommand):
    help = "Register referred people, record arrivals, propose rewards, report and export."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def command(name):
            p = sub.add_parser(name)
            p.add_argument("--staff", required=True, help="username of who acts")
            p.add_argument("--org")
            return p

        p = command("register")
        p.add_argument("--referrer", required=True, help="the referrer's customer code")
        p.add_argument("--name", required=True)
        p.add_argument("--mobile", default="")
        p.add_argument("--wechat", default="")
        p.add_argument("--items", default="")
        p.add_argument("--intention", type=int, choices=[1, 2, 3], default=3)
        p.add_argument("--store", help="store code (default: the referrer's home store)")
        p.add_argument("--via", default="", help="channel code when another channel registered")
        p.add_argument("--expected", help="expected arrival YYYY-MM-DD")
        p = command("attribute")
        p.add_argument("--lead", type=int, required=True)
        p.add_argument("--referrer-came", action="store_true")
        p.add_argument("--asked-consultant", action="store_true")
        p.add_argument("--group", action="store_true")
        command("rewards")
        p = command("report")
        p.add_argument("--month", help="YYYY-MM (default: this month)")
        p.add_argument("--table", choices=sorted(KPI_TABLES | STAT_TABLES))
        p.add_argument("--out", help="with --table: the .csv or .xlsx file to write")
        p = command("export")
        p.add_argument("--out", required=True)
        p.add_argument("--full-phones", action="store_true")
        p.add_argument("--reason", default="")

    def handle(self, *args, **opts):
        translation.activate(settings.LANGUAGE_CODE)  # refusals in the product's language
        staff = acting_staff(opts)
        try:
            getattr(self, "_" + opts["action"])(staff, opts)
        except ReferralError as exc:
            raise CommandError(str(exc.message)) from None
        except PermissionDenied:
            raise CommandError("无权执行此操作 (not allowed for your roles)") from None

    def _register(self, staff, opts):
        referrer = found(get_customer_or_404, staff, code=opts["referrer"])
        store = referrer.home_store
        if opts.get("store"):
            store = Store.objects.filter(
                organization=staff.organization, code=opts["store"]
            ).first()
        if store is None:
            raise CommandError("请用 --store 指定门店 (give --store)")
        lead = register_lead(
            referrer,
            actor=staff,
            store=store,
            name=opts["name"],
            mobile=opts["mobile"],
            wechat_id=opts["wechat"],
            items=opts["items"],
            intention=opts["intention"],
            via_channel=opts["via"],
            expected_arrival=iso_date(opts["expected"]) if opts.get("expected") else None,
        )
        self.stdout.write(f"已登记被推荐人 #{lead.pk} {lead.name} {mask_phone(lead.mobile)}")

    def _attribute(self, staff, opts):
        lead = found(get_lead_or_404, staff, pk=opts["lead"])
        facts = ArrivalFacts(
            referrer_came=opts["referrer_came"],
            asked_consultant_by_name=opts["asked_consultant"],
            came_in_group=opts["group"],
        )
        lead = record_arrival(lead, actor=staff, facts=facts)
        self.stdout.write(
            f"#{lead.pk} {lead.customer.code}: {lead.attribution_label()} "
            f"({lead.get_rule_display()}) attribution={lead.attribution} rule={lead.rule}"
        )

    def _rewards(self, staff, opts):
        count = propose_due_rewards(staff.organization)
        self.stdout.write(f"提议奖励 {count} 项 (rewards proposed)")

    def _report(self, staff, opts):
        today = local_date(staff.organization)
        first = today.replace(day=1)
        if opts.get("month"):
            try:
                first = datetime.strptime(opts["month"], "%Y-%m").date()
            except ValueError:
                raise CommandError(
                    f"月份格式应为 YYYY-MM: {opts['month'][:40]!r} (expected YYYY-MM)"
                ) from None
        month = month_of(staff.organization, first)
        if opts.get("table"):
            if not opts.get("out") or not opts["out"].lower().endswith((".csv", ".xlsx")):
                raise CommandError("--out 须以 .csv 或 .xlsx 结尾 (expected .csv or .xlsx)")
            header, rows = report_table(opts["table"], staff, month)
            count = write_table(opts["out"], [str(h) for h in header], rows)
            record_event(
                staff.organization,
                actor=staff,
                action="export",
                table=f"referral-{opts['table']}",
                rows=count,
            )
            self.stdout.write(f"已导出 {count} 行到 {opts['out']}")
            return
        f = channel_figures(visible_leads(staff), since=first, until=month.last)
        usage = "—" if f["rebate_usage"] is None else f"{f['rebate_usage']:.0%}"
        self.stdout.write(
            f"{first:%Y-%m} 带新建档 {f['registered']}，到院 {f['arrived']}，"
            f"计入老带新 {f['referral']}，成交 {f['deals']}，成交额 {f['revenue']}，"
            f"待批奖励 {f['pending_rewards']}，返利金使用率 {usage}"
        )
        share = channel_share(staff, month)
        self.stdout.write(
            f"老带新业绩占比 {percent(share['share']) or '—'}（目标 {percent(share['target'])}，"
            f"{'达标' if share['met'] else '未达标'}）：{share['revenue']} / {share['total']}"
        )
        for kpi in role_kpis(staff_kpis(staff, month=month)):
            t = kpi.targets
            self.stdout.write(
                f"{role_label(kpi.role)}：建档 {kpi.registrations}/{t.get('registrations', '—')}，"
                f"到院 {kpi.arrivals}/{t.get('arrivals', '—')}，成交 {kpi.deals}/"
                f"{t.get('deals', '—')}，成交额 {kpi.revenue}/{t.get('revenue', '—')}"
            )
        leads = visible_leads(staff)
        referred = referred_in(leads, month)
        for row in by_product(leads, month, referred):
            self.stdout.write(
                f"产品 {row.label}：预约 {row.booked}，建档 {row.registered}，来院 {row.arrived}，成交 {row.deals}，"
                f"业绩 {row.revenue}，来院占比 {percent(row.arrived_share) or '—'}，"
                f"业绩占比 {percent(row.revenue_share) or '—'}"
            )
        for row in by_referrer_tier(leads, month, referred):
            if row.arrived:
                self.stdout.write(
                    f"推荐人等级 {row.label}：带新 {row.arrived}，"
                    f"业绩占比 {percent(row.revenue_share) or '—'}"
                )
        timing = "，".join(f"{b['label']} {b['count']}" for b in referral_timing(leads, month))
        self.stdout.write(f"距推荐人上次治疗：{timing}")

    def _export(self, staff, opts):
        full = opts["full_phones"]
        if full and not may_export_phones(staff):
            raise CommandError("无权导出完整号码 (your roles may not export full numbers)")
        if full and not opts["reason"].strip():
            raise CommandError("导出完整号码须填写 --reason (give --reason)")
        shown = display_phone if full else mask_phone
        rows = (
            [shown(v) if i == PHONE_COLUMN and v else v for i, v in enumerate(row)]
            for row in lead_rows(visible_leads(staff))
        )
        if not opts["out"].lower().endswith((".csv", ".xlsx")):
            raise CommandError("--out 须以 .csv 或 .xlsx 结尾 (expected .csv or .xlsx)")
        count = write_table(opts["out"], [str(h) for h in HEADER], rows)
        record_event(
            staff.organization,
            actor=staff,
            action="export",
            table="referrals",
            rows=count,
            full_phones=full,
            **({"reason": opts["reason"].strip()[:200]} if full else {}),
        )
        self.stdout.write(f"已导出 {count} 行到 {opts['out']}")
