"""`revisit inventory run|publish|export|compare|list`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revisit.core.management.dates import iso_date
from revisit.core.services import resolve_organization
from revisit.grading.exports import write_inventory_export
from revisit.grading.models import Inventory
from revisit.grading.reads import current_inventory, migration_matrix, segment_table
from revisit.grading.services import publish_inventory, run_inventory

MAX_ID = 2**63 - 1  # ids are 64-bit: a longer number names nothing


class Command(BaseCommand):
    help = "Run, export and compare customer inventories (盘点)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="grade every customer as of a date")
        run.add_argument("--as-of", required=True, type=iso_date)
        run.add_argument("--window-months", type=int)
        run.add_argument("--thresholds", help="mean | median | quantile:Q")
        run.add_argument("--org")
        publishing = run.add_mutually_exclusive_group()
        publishing.add_argument(
            "--draft",
            dest="publish",
            action="store_false",
            default=None,
            help="keep as a draft (what-if) even with the organization's settings",
        )
        publishing.add_argument(
            "--publish",
            dest="publish",
            action="store_true",
            help="publish at once even with other thresholds or window",
        )
        publish = sub.add_parser("publish", help="make a draft inventory the current one")
        publish.add_argument("inventory")
        publish.add_argument("--org")
        export = sub.add_parser("export", help="one row per customer to .csv or .xlsx")
        export.add_argument("inventory", nargs="?", default="latest")
        export.add_argument("--out", required=True)
        export.add_argument("--org")
        compare = sub.add_parser("compare", help="migration matrix between two inventories")
        compare.add_argument("before")
        compare.add_argument("after")
        compare.add_argument("--by", choices=["segment", "tier"], default="segment")
        compare.add_argument("--org")
        listing = sub.add_parser("list", help="the organization's inventories")
        listing.add_argument("--org")

    def handle(self, *args, **opts):
        organization = resolve_organization(opts.get("org"))
        getattr(self, "do_" + opts["action"])(organization, opts)

    def _inventory(self, organization, ref: str) -> Inventory:
        inventories = Inventory.objects.filter(organization=organization)
        found = current_inventory(organization) if ref == "latest" else None
        if ref != "latest":
            if not ref.isdigit() or int(ref) > MAX_ID:
                raise CommandError(f"盘点编号应为数字或 latest: {ref!r} (inventory ID or 'latest')")
            found = inventories.filter(pk=int(ref)).first()
        if found is None:
            raise CommandError(f"找不到盘点 {ref} (no such inventory)")
        return found

    def do_run(self, organization, opts):
        try:
            inventory = run_inventory(
                organization,
                as_of=opts["as_of"],
                window_months=opts["window_months"],
                thresholds=opts["thresholds"],
                publish=opts["publish"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"盘点 #{inventory.pk} (inventory) as of {inventory.as_of} [{inventory.status}]: "
            f"{inventory.customer_count} 位客户, {inventory.graded_count} 位参与 RFM 分级\n"
            f"阈值 thresholds: {inventory.thresholds}\n"
        )
        self.stdout.write(
            f"{'分类':<6}{'名称':<22}{'人数':>9}{'占比':>8}{'R 天':>9}{'F 次':>8}{'M 金额':>14}"
        )
        for row in segment_table(inventory):
            self.stdout.write(
                f"{row['segment']:<6}{str(row['label']):<22}{row['count']:>9}{row['share']:>8.1%}"
                f"{_num(row['mean_recency'], 1):>9}{_num(row['mean_frequency'], 2):>8}"
                f"{_num(row['mean_monetary'], 0):>14}"
            )
        self.stdout.write(f"分级 tiers: {inventory.tier_counts}")

    def do_publish(self, organization, opts):
        inventory = self._inventory(organization, opts["inventory"])
        try:
            publish_inventory(inventory.pk)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已发布盘点 #{inventory.pk} (published inventory) as of {inventory.as_of}"
        )

    def do_export(self, organization, opts):
        inventory = self._inventory(organization, opts["inventory"])
        path = Path(opts["out"])
        if path.suffix.lower() not in {".csv", ".xlsx"}:
            raise CommandError("导出文件应为 .csv 或 .xlsx (export to .csv or .xlsx)")
        count = write_inventory_export(inventory, path, actor=None)
        self.stdout.write(f"已导出 {count} 行到 {path} (exported {count} rows)")

    def do_compare(self, organization, opts):
        before = self._inventory(organization, opts["before"])
        after = self._inventory(organization, opts["after"])
        matrix = migration_matrix(before, after, by=opts["by"])
        rows = sorted({k[0] for k in matrix})
        cols = sorted({k[1] for k in matrix})
        self.stdout.write(
            f"#{before.pk} ({before.as_of}) → #{after.pk} ({after.as_of}), by {opts['by']}"
        )
        self.stdout.write("from\\to".ljust(8) + "".join(f"{c:>8}" for c in cols))
        for r in rows:
            self.stdout.write(f"{r:<8}" + "".join(f"{matrix.get((r, c), 0):>8}" for c in cols))

    def do_list(self, organization, opts):
        for inv in Inventory.objects.filter(organization=organization):
            self.stdout.write(
                f"#{inv.pk}  {inv.as_of}  {inv.status:<9}  {inv.customer_count} customers  "
                f"{inv.segment_counts}"
            )


def _num(value, digits: int) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"
