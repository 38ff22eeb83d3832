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
        create.add_argument(
            "--days", type=int, help="days until it expires (default: API_TOKEN_DAYS, 90)"
        )
        listing = sub.add_parser("list", help="a user's tokens: prefix, name, last use, expiry")
        listing.add_argument("--user", required=True, help="username")
        revoke = sub.add_parser("revoke", help="revoke tokens by prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, **opts):
        if opts["action"] == "create":
            staff = Staff.objects.filter(username=opts["user"], is_active=True).first()
            if staff is None:
                raise CommandError(f"没有该用户 {opts['user']!r} (no such active user)")
            if opts["days"] is not None and not 1 <= opts["days"] <= 3660:
                raise CommandError("--days 应在 1 到 3660 之间")
            record, token = ApiToken.issue(staff, opts["name"], days=opts["days"])
            self.stdout.write(f"令牌只显示这一次 (shown once): {token}")
            self.stdout.write(f"前缀 prefix: {record.prefix}")
            self.stdout.write(f"有效期至 expires: {record.expires_at:%Y-%m-%d %H:%M} UTC")
            return
        if opts["action"] == "list":
            now = timezone.now()
            for t in ApiToken.objects.filter(staff__username=opts["user"]).order_by("-created_at"):
                if t.revoked_at:
                    state = "已撤销"
                elif t.expires_at and t.expires_at <= now:
                    state = "已过期"
                else:
                    state = "有效"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "从未使用"
                expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "—"
                self.stdout.write(f"{t.prefix}  {state}  最近使用 {used}  到期 {expires}  {t.name}")
            return
        n = ApiToken.objects.filter(prefix=opts["prefix"], revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not n:
            raise CommandError("没有该前缀的有效令牌 (no active token with that prefix)")
        self.stdout.write(f"已撤销 revoked: {n}")
