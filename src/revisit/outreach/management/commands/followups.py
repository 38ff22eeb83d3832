"""`revisit followups due --date D`: contacts scheduled up to a day."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from revisit.core.clock import org_zone
from revisit.core.management.dates import iso_date
from revisit.core.models import Staff
from revisit.core.services import resolve_organization
from revisit.customers.phones import mask_phone
from revisit.outreach.followups import FollowUpError, contact_reason_label, record_followup
from revisit.outreach.models import CallTask, Outcome, ScheduledContact


class Command(BaseCommand):
    help = "List due contacts, or record a call's outcome."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due")
        due.add_argument("--date", required=True)
        due.add_argument("--org")
        rec = sub.add_parser("record", help="record the outcome of a call task")
        rec.add_argument("--task", type=int, required=True)
        rec.add_argument("--staff", required=True, help="username of who called")
        rec.add_argument("--outcome", required=True, choices=Outcome.values)
        rec.add_argument("--intent", type=int, choices=[1, 2, 3])
        rec.add_argument("--reason", default="", help="valid_3: region/time/price/competitor/other")
        rec.add_argument("--note", default="")
        rec.add_argument("--appointment", help="valid_1: 'YYYY-MM-DD HH:MM' (local time)")
        rec.add_argument("--at", help="when the call was made, 'YYYY-MM-DD HH:MM' (default now)")
        rec.add_argument("--org")

    def handle(self, *args, **opts):
        if opts["action"] == "record":
            return self._record(opts)
        day = iso_date(opts["date"])
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
                f"{mask_phone(c.customer.mobile)} {contact_reason_label(c.reason)}"
            )

    def _record(self, opts):
        org = resolve_organization(opts.get("org"))
        staff = Staff.objects.filter(organization=org, username=opts["staff"]).first()
        task = (
            CallTask.objects.filter(organization=org, pk=opts["task"])
            .select_related("customer")
            .first()
        )
        if staff is None or task is None:
            raise CommandError("找不到该员工或任务 (no such staff member or task)")
        zone = org_zone(org)

        def moment(text):
            if not text:
                return None
            try:
                return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
            except ValueError:
                raise CommandError(f"时间格式应为 YYYY-MM-DD HH:MM: {text!r}") from None

        try:
            done = record_followup(
                task,
                actor=staff,
                channel="call",
                outcome=opts["outcome"],
                intent=opts["intent"],
                decline_reason=opts["reason"],
                note=opts["note"],
                appointment_at=moment(opts["appointment"]),
                now=moment(opts["at"]),
            )
        except FollowUpError as exc:
            raise CommandError(str(exc)) from None
        followup = done.followup
        state = "已记录 (recorded)" if done.created else "已存在，未重复记录 (already recorded)"
        self.stdout.write(
            f"{state}: {task.customer.code} {followup.get_outcome_display()}；"
            f"下次联系 next contact: {followup.next_contact_on or '—'}"
        )
