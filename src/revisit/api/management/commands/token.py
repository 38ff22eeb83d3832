from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from revisit.api.models import ApiToken
from revisit.core.models import Staff


class Command(BaseCommand):
    help = "Issue or revoke an API token for a staff member."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token (printed once)")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="", help="what the token is for")
        revoke = sub.add_parser("revoke", help="revoke tokens by prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, **opts):
        if opts["action"] == "create":
            staff = Staff.objects.filter(username=opts["user"], is_active=True).first()
            if staff is None:
                raise CommandError(f"没有该用户 {opts['user']!r} (no such active user)")
            record, token = ApiToken.issue(staff, opts["name"])
            self.stdout.write(f"令牌只显示这一次 (shown once): {token}")
            self.stdout.write(f"前缀 prefix: {record.prefix}")
            return
        n = ApiToken.objects.filter(prefix=opts["prefix"], revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not n:
            raise CommandError("没有该前缀的有效令牌 (no active token with that prefix)")
        self.stdout.write(f"已撤销 revoked: {n}")
