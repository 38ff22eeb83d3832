"""`revisit followups due --date D`: contacts scheduled up to a day."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from revisit.core.services import resolve_organization
from revisit.customers.phones import mask_phone
from revisit.outreach.models import ScheduledContact

REASONS = {
    "confirm_appointment": "预约前一天确认",
    "interested": "有意向再联系",
    "declined": "下次活动再邀约",
    "retry": "未接通重拨",
    "intent_1": "一级意向",
    "intent_2": "二级意向",
    "intent_3": "三级意向",
}


class Command(BaseCommand):
    help = "List scheduled contacts due on or before a date."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due")
        due.add_argument("--date", required=True)
        due.add_argument("--org")

    def handle(self, *args, **opts):
        try:
            day = date.fromisoformat(opts["date"])
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD (expected YYYY-MM-DD)") from None
        org = resolve_organization(opts.get("org"))
        due = (
            ScheduledContact.objects.filter(
                organization=org, due_on__lte=day, status=ScheduledContact.Status.PENDING
            )
            .select_related("customer")
            .order_by("due_on", "id")
        )
        self.stdout.write(f"截至 {day} 待联系 {due.count()} 位 (due contacts)")
        for c in due:
            self.stdout.write(
                f"  {c.due_on} {c.customer.code} {c.customer.name} "
                f"{mask_phone(c.customer.mobile)} {REASONS.get(c.reason, c.reason)}"
            )
