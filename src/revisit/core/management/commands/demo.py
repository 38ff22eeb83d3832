from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from revisit.core.statistics import refresh_statistics
from revisit.demo import DEMO_PASSWORD, DemoExists, build_demo, demo_logins, ensure_demo


class Command(BaseCommand):
    help = "Build the demo medical-aesthetics group (stores, staff, customers, orders)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=12_000)
        parser.add_argument("--seed", type=int, default=20240501)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="last order date (default today)"
        )
        parser.add_argument("--org", default="demo", help="organization code (default demo)")
        parser.add_argument("--replace", action="store_true", help="rebuild an existing demo")
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the database has no organization"
        )

    def handle(self, *args, **opts):
        if settings.PRODUCTION:
            # Demo accounts share a published password: never on a production server.
            message = "生产模式下不创建演示机构和演示账号"
            if opts["if_empty"]:
                self.stdout.write(message)
                return
            raise CommandError(message)
        options = dict(
            code=opts["org"],
            customers=opts["customers"],
            seed=opts["seed"],
            years=opts["years"],
            as_of=opts["as_of"],
        )
        try:
            if opts["if_empty"]:
                summary = ensure_demo(**options)
                if summary is None:
                    self.stdout.write(
                        "数据库中已有机构，跳过演示数据 (organizations exist: demo skipped)"
                    )
                    return
            else:
                summary = build_demo(replace=opts["replace"], **options)
        except (DemoExists, ValueError) as exc:
            raise CommandError(str(exc)) from None
        refresh_statistics()  # thousands of new rows: the planner gets their statistics
        self.stdout.write(
            f"演示机构 {summary.organization.code} 已创建 (demo created): {summary.customers} 位客户, "
            f"{summary.orders} 张消费单, {summary.lines} 条消费明细"
        )
        self.stdout.write(f"演示账号 demo logins (password {DEMO_PASSWORD}):")
        for username, role, where in demo_logins(summary.organization):
            self.stdout.write(f"  {username:<14} {role:<8} {where}")
