from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revisit.core.backups import BackupError, backup, default_folder, prune


class Command(BaseCommand):
    help = (
        "Back up the whole database (SQLite online backup, or pg_dump for PostgreSQL) with a "
        "manifest of row counts and checksums per table. Run it nightly, e.g. from cron: "
        "`30 2 * * * cd /srv/revisit && .venv/bin/revisit backup --keep 14`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="backup file (default: var/backups/…)")
        parser.add_argument(
            "--keep", type=int, help="keep only the newest N backups in var/backups/"
        )

    def handle(self, *args, **opts):
        if opts["keep"] is not None and opts["keep"] < 1:
            raise CommandError("--keep 至少为 1")
        try:
            path = backup(opts["out"])
        except BackupError as exc:
            raise CommandError(f"备份失败: {exc}") from None
        self.stdout.write(f"备份已写入 {path}")
        if opts["keep"]:
            for old in prune(default_folder(), opts["keep"]):
                self.stdout.write(f"已删除旧备份 {old.name}")
