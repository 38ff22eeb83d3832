from django.core.management.base import BaseCommand, CommandError

from revisit.core.services import create_organization


class Command(BaseCommand):
    help = "Create an organization with one store and an admin account (one-time password)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization code, e.g. meili")
        parser.add_argument("--name", required=True, help="organization name")
        parser.add_argument("--store-code", default="S01")
        parser.add_argument("--store-name")
        parser.add_argument("--admin", help="admin username (default: ORG-admin)")

    def handle(self, *args, **opts):
        try:
            created = create_organization(
                code=opts["org"],
                name=opts["name"],
                store_code=opts["store_code"],
                store_name=opts["store_name"],
                admin_username=opts["admin"],
            )
        except ValueError as exc:
            raise CommandError(f"无法创建机构: {exc}") from None
        self.stdout.write(
            f"机构 {created.organization.code} 已创建 (organization created), "
            f"门店 store {created.store.code}\n"
            f"管理员 admin: {created.admin.username}\n"
            f"一次性密码 one-time password: {created.password}\n"
            "请登录后立即修改密码 (change it after the first login)."
        )
