"""`revisit calllists generate|show|table|reinvite|course-cards`."""

from django.core.management.base import BaseCommand, CommandError

from revisit.core.management.dates import iso_date
from revisit.core.models import Staff
from revisit.core.services import resolve_organization
from revisit.customers.phones import mask_phone
from revisit.outreach.calllists import allocation_table, generate_call_lists
from revisit.outreach.campaigns import active_campaign, reinvite_started
from revisit.outreach.models import CallTask


class Command(BaseCommand):
    help = "Generate and show the day's call lists."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate")
        gen.add_argument("--date", type=iso_date, required=True)
        gen.add_argument("--org")
        show = sub.add_parser("show")
        show.add_argument("--staff", required=True, help="username")
        show.add_argument("--date", type=iso_date, required=True)
        show.add_argument("--org")
        table = sub.add_parser("table", help="tasks per staff member and segment")
        table.add_argument("--date", type=iso_date, required=True)
        table.add_argument("--org")
        reinvite = sub.add_parser(
            "reinvite", help="invite declined/unreachable customers of started campaigns"
        )
        reinvite.add_argument("--org")
        course = sub.add_parser(
            "course-cards",
            help="put customers with unused or soon-expiring course-card sessions on the lists",
        )
        course.add_argument("--date", type=iso_date, required=True)
        course.add_argument("--expiry-days", type=int, help="days before expiry (setting)")
        course.add_argument("--unused-days", type=int, help="days without a session (setting)")
        course.add_argument("--org")

    def handle(self, *args, **opts):
        org = resolve_organization(opts.get("org"))
        if opts["action"] == "generate":
            result = generate_call_lists(org, date=opts["date"])
            self.stdout.write(
                f"{result.date}: 新建任务 {result.created}，顺延 {result.carried_over} "
                f"(created {result.created}, carried over {result.carried_over})"
            )
            campaign = active_campaign(org, opts["date"])
            if campaign is not None:
                self.stdout.write(
                    f"活动 (campaign): {campaign.name} {campaign.starts_on}–{campaign.last_day}"
                )
            self._table(org, opts["date"])
        elif opts["action"] == "course-cards":
            self._course_cards(org, opts)
        elif opts["action"] == "reinvite":
            n = reinvite_started(org)
            self.stdout.write(f"再次邀约 {n} 位顾客 (invited again: {n})")
        elif opts["action"] == "table":
            self._table(org, opts["date"])
        else:
            self._show(org, opts)

    def _course_cards(self, org, opts):
        from revisit.outreach.course_calls import generate_course_card_calls

        for name in ("expiry_days", "unused_days"):
            if opts.get(name) is not None and not 1 <= opts[name] <= 3660:
                raise CommandError(f"--{name.replace('_', '-')} 应在 1–3660 之间 (out of range)")
        result = generate_course_card_calls(
            org,
            day=opts["date"],
            expiry_days=opts.get("expiry_days"),
            unused_days=opts.get("unused_days"),
        )
        self.stdout.write(
            f"{opts['date']}: 疗程卡回访 {result.scheduled} 位 (即将到期 {result.expiring}, "
            f"久未使用 {result.unused}); 新建任务 {result.generated.created} "
            f"(course-card calls {result.scheduled}, tasks created {result.generated.created})"
        )
        self._table(org, opts["date"])

    def _table(self, org, day):
        rows = allocation_table(org, day)
        segments = sorted({k for r in rows for k in r["segments"]})
        self.stdout.write(
            "员工".ljust(14)
            + "".join(f"{s:>6}" for s in segments)
            + f"{'激活':>6}{'常规回访':>6}{'合计':>6}"
        )
        for r in rows:
            self.stdout.write(
                f"{r['staff']:<14}"
                + "".join(f"{r['segments'].get(s, 0):>6}" for s in segments)
                + f"{r['activation']:>6}{r['scheduled']:>6}{r['total']:>6}"
            )

    def _show(self, org, opts):
        staff = Staff.objects.filter(organization=org, username=opts["staff"]).first()
        if staff is None:
            raise CommandError(f"没有员工 {opts['staff']!r} (no such staff member)")
        tasks = (
            CallTask.objects.filter(assignee=staff, due_date=opts["date"])
            .select_related("customer", "strategy")
            .order_by("status", "id")
        )
        self.stdout.write(f"{staff} {opts['date']}: {tasks.count()} 个任务 (tasks)")
        for t in tasks:
            offer = t.strategy.name if t.strategy else ""
            self.stdout.write(
                f"  [{t.get_status_display()}] {t.customer.code} {t.customer.name} "
                f"{mask_phone(t.customer.mobile)} {t.segment or '-'} {offer} "
                f"({t.get_source_display()})"
            )
