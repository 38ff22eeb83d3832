import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revisit.core.backups import BackupError, Database, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `revisit backup`, replacing the database's contents, and "
        "check every table against the backup's manifest. Stop the server first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--into", help="DATABASE_URL to restore into (default: the configured database)"
        )
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **opts):
        try:
            into = Database.from_url(opts["into"]) if opts["into"] else Database.current()
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if not opts["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("已取消：没有终端可以确认，请加 --yes")
            answer = input(f"这会替换数据库 {into.name} 的全部内容。继续吗？(yes/no) ")
            if answer.strip().lower() not in {"yes", "y"}:
                raise CommandError("已取消")
        try:
            tables = restore(opts["file"], into=into)
        except BackupError as exc:
            raise CommandError(f"恢复失败: {exc}") from None
        rows = sum(count for count, _ in tables.values())
        self.stdout.write(f"已恢复 {len(tables)} 张表、{rows} 行，与备份清单一致")
