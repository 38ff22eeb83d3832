"""`revisit import customers|orders|balances|referrals FILE [--org] [--store] [--map]
[--dry-run]` (the kinds other apps register: see revisit.imports.services.register_kind)."""

from functools import partial

from django.core.management.base import BaseCommand, CommandError

from revisit.core.models import Store
from revisit.core.services import resolve_organization
from revisit.imports.services import (
    PLANNERS,
    ImportFileError,
    import_balances,
    import_customers,
    import_file,
    import_orders,
)

IMPORTERS = {
    "customers": import_customers,
    "orders": import_orders,
    "balances": import_balances,
}


class Command(BaseCommand):
    help = (
        "Import customers, order lines, opening balances or referral registrations from a "
        ".csv or .xlsx export."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(PLANNERS))
        parser.add_argument("file")
        parser.add_argument("--org", help="organization code (default: the only one)")
        parser.add_argument(
            "--store",
            help="store code: the home store of every row (and of customers an order import creates)",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="源列=field",
            help="name a column's field, e.g. --map 会员号=customer_code (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, **opts):
        organization = resolve_organization(opts["org"])
        store = None
        if opts["store"]:
            store = Store.objects.filter(organization=organization, code=opts["store"]).first()
            if store is None:
                raise CommandError(f"门店 {opts['store']!r} 不存在 (no such store)")
        try:
            importer = IMPORTERS.get(opts["kind"])
            if importer is None:
                importer = partial(import_file, opts["kind"])
            report = importer(
                organization,
                opts["file"],
                store=store,
                mapping=opts["map"],
                dry_run=opts["dry_run"],
            )
        except ImportFileError as exc:
            raise CommandError(f"导入失败，未写入任何数据 (nothing imported): {exc}") from None
        self.stdout.write(report.summary())
        if report.rejects_path:
            self.stdout.write(f"被拒绝/警告的行 (rejected rows): {report.rejects_path}")
        self.stdout.write(f"报告 (report): {report.report_path}")
        if report.refused:
            raise CommandError(
                "有被拒绝的行，整个文件未导入 (rows were rejected: nothing was imported)"
            )
