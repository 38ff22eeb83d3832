"""`revisit shifts list|add|remove`: the practitioners' weekly roster of a store.

  list --store CODE
  add --store CODE --practitioner USERNAME --weekday 0-6 --from HH:MM --to HH:MM
  remove --id N
(an end at or before the start runs past midnight)"""

from datetime import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from revisit.appointments import access
from revisit.appointments.errors import DeskError
from revisit.appointments.management.commands._desk import acting_staff, found, store_of
from revisit.appointments.models import Shift
from revisit.appointments.shifts import add_shift, remove_shift
from revisit.core.models import Role


def hhmm(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CommandError(f"时间格式应为 HH:MM: {text!r}") from None


class Command(BaseCommand):
    help = "The practitioners' weekly roster of a store."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("list", "add", "remove"):
            p = sub.add_parser(name)
            p.add_argument("--staff", required=True, help="username of who acts")
            p.add_argument("--org")
            if name in ("list", "add"):
                p.add_argument("--store", required=True)
            if name == "add":
                p.add_argument("--practitioner", required=True)
                p.add_argument("--weekday", type=int, required=True, choices=range(7))
                p.add_argument("--from", dest="starts", required=True)
                p.add_argument("--to", dest="ends", required=True)
            if name == "remove":
                p.add_argument("--id", type=int, required=True)

    def handle(self, *args, **opts):
        translation.activate(settings.LANGUAGE_CODE)  # refusals in the product's language
        staff = acting_staff(opts)
        if opts["action"] == "list":
            store = store_of(staff, opts["store"])
            for s in Shift.objects.filter(store=store).select_related("practitioner"):
                self.stdout.write(f"  #{s.pk} {s.practitioner} {s}")
            return
        roster = access.desk_stores(staff, access.ROSTER_ROLES)
        try:
            if opts["action"] == "remove":
                remove_shift(found(access.get_shift_or_404, staff, opts["id"]), actor=staff)
                self.stdout.write("已删除 (removed)")
                return
            store = store_of(staff, opts["store"], roster)
            practitioner = (
                access.store_staff(store, Role.PRACTITIONER)
                .filter(username=opts["practitioner"])
                .first()
            )
            if practitioner is None:
                raise CommandError("不是该门店的医生/美容师 (not a practitioner here)")
            shift = add_shift(
                store,
                practitioner,
                weekday=opts["weekday"],
                starts=hhmm(opts["starts"]),
                ends=hhmm(opts["ends"]),
                actor=staff,
            )
        except DeskError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已添加 #{shift.pk} {shift} (added)")
