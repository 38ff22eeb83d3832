from django.conf import settings
from django.core.management.base import BaseCommand

from revisit.privacy.retention import sweep


class Command(BaseCommand):
    help = (
        "Delete what is past its retention time: uploads, rejected-row files and reports "
        "(FILE_RETENTION_DAYS), expired sessions, audit events (AUDIT_RETENTION_YEARS). "
        "The background worker runs it every night."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, **opts):
        swept = sweep(dry_run=opts["dry_run"])
        verb = "将删除" if opts["dry_run"] else "已删除"
        self.stdout.write(
            f"{verb}：超过 {settings.FILE_RETENTION_DAYS} 天的文件 {swept.files} 个，"
            f"过期会话 {swept.sessions} 个，"
            f"超过 {settings.AUDIT_RETENTION_YEARS} 年的审计记录 {swept.audit_events} 条"
        )
