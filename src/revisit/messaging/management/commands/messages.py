"""`revisit messages send-due` (what the worker's tick does) and
`revisit messages queue --template NAME [--tier A] [--store CODE] [--segment A1] [--dry-run]`
and `revisit messages campaign …` (group sends, see campaign_cli)."""

from django.core.management.base import BaseCommand, CommandError

from revisit.core.models import Staff
from revisit.core.services import resolve_organization
from revisit.customers.models import Customer
from revisit.messaging import campaign_cli
from revisit.messaging.models import MessageTemplate
from revisit.messaging.outbox import send_due
from revisit.messaging.rendering import TemplateError
from revisit.messaging.services import MessagingError, in_segments, queue_many


class Command(BaseCommand):
    help = "Send the due messages of the outbox, or queue a template to a set of customers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send-due", help="send every due message now")
        send.add_argument("--limit", type=int)
        queue = sub.add_parser("queue", help="queue a template to customers")
        queue.add_argument("--org")
        queue.add_argument("--template", required=True, help="the template's name")
        queue.add_argument("--staff", required=True, help="username of who sends")
        queue.add_argument("--tier", action="append", default=[])
        queue.add_argument("--store", action="append", default=[], help="home store code")
        queue.add_argument("--segment", action="append", default=[], help="RFM segment (A1…B4)")
        queue.add_argument("--date", default="", help="value of {date}")
        queue.add_argument("--dry-run", action="store_true")
        campaign_cli.add_arguments(sub)

    def handle(self, *args, **opts):
        if opts["action"] == "campaign":
            campaign_cli.handle(opts, self.stdout)
            return
        if opts["action"] == "send-due":
            result = send_due(limit=opts["limit"])
            parts = ", ".join(f"{k} {v}" for k, v in sorted(result.items())) or "nothing due"
            self.stdout.write(f"发件箱 (outbox): {parts}")
            return
        org = resolve_organization(opts.get("org"))
        staff = Staff.objects.filter(organization=org, username=opts["staff"]).first()
        template = MessageTemplate.objects.filter(organization=org, name=opts["template"]).first()
        if staff is None or template is None:
            raise CommandError("找不到该员工或模板 (no such staff member or template)")
        customers = Customer.objects.filter(organization=org)
        if opts["tier"]:
            customers = customers.filter(tier__in=opts["tier"])
        if opts["store"]:
            customers = customers.filter(home_store__code__in=opts["store"])
        if opts["segment"]:
            customers = in_segments(customers, org, opts["segment"])
        try:
            batch = queue_many(
                customers,
                template=template,
                actor=staff,
                context={"date": opts["date"]} if opts["date"] else None,
                dry_run=opts["dry_run"],
            )
        except (MessagingError, TemplateError) as error:
            raise CommandError(str(error)) from None
        held = "，".join(f"{label} {n}" for label, n in batch.suppressed_rows()) or "0"
        verb = "将发送" if opts["dry_run"] else "已排队"
        self.stdout.write(
            f"{verb} {batch.queued} / {batch.total}；未发送：{held}"
            + (f"；无法生成 {batch.unrenderable}（{batch.error}）" if batch.unrenderable else "")
        )
