"""`revisit appointments ...`: the desk from the command line, as a staff member
(--staff USERNAME), with the same services and scope as the pages:

  list --store CODE [--date D]                 a store's appointments of a day
  book --store CODE --customer CODE --at 'YYYY-MM-DD HH:MM' [--minutes N]
       [--practitioner USERNAME] [--room NAME]
  reschedule --id N --at ... [--minutes N] [--practitioner USERNAME]
  transition --id N --to STATE [--reason TEXT] [--note TEXT]
  arrivals --store CODE                        today's arrivals with waiting times
  walk-in --store CODE --customer CODE
  consultation --id N --consultant USERNAME --result deal|no_deal [--reason R] [--price P]
  report [--date D]                            the 10:00 report (default yesterday)
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from revisit.appointments import access
from revisit.appointments.calendar import tomorrow_list
from revisit.appointments.consultations import consultation_report, record_consultation
from revisit.appointments.desk import register_walk_in, todays_arrivals, waiting_minutes
from revisit.appointments.errors import DeskError
from revisit.appointments.management.commands._desk import (
    acting_staff,
    found,
    moment,
    store_of,
)
from revisit.appointments.models import Appointment, Consultation, NoDealReason
from revisit.appointments.services import (
    book_appointment,
    mark_arrived,
    reschedule_appointment,
    start_treatment,
    transition,
)
from revisit.appointments.treatment import finish_treatment
from revisit.core.clock import local_date, org_zone
from revisit.core.management.dates import iso_date
from revisit.core.models import Role
from revisit.customers.phones import mask_phone


class Command(BaseCommand):
    help = "Book, move and follow appointments; arrivals, walk-ins, consultations."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def command(name, **kwargs):
            p = sub.add_parser(name, **kwargs)
            p.add_argument("--staff", required=True, help="username of who acts")
            p.add_argument("--org")
            return p

        p = command("list")
        p.add_argument("--store", required=True)
        p.add_argument("--date")
        p = command("book")
        p.add_argument("--store", required=True)
        p.add_argument("--customer", required=True, help="customer code")
        p.add_argument("--at", required=True, help="'YYYY-MM-DD HH:MM' (local time)")
        p.add_argument("--minutes", type=int, default=60)
        p.add_argument("--practitioner")
        p.add_argument("--room")
        p.add_argument("--note", default="")
        p = command("reschedule")
        p.add_argument("--id", type=int, required=True)
        p.add_argument("--at", required=True)
        p.add_argument("--minutes", type=int)
        p.add_argument("--practitioner")
        p = command("transition")
        p.add_argument("--id", type=int, required=True)
        p.add_argument("--to", required=True, choices=Appointment.Status.values)
        p.add_argument("--reason", default="")
        p.add_argument("--note", default="")
        p = command("arrivals")
        p.add_argument("--store", required=True)
        p = command("walk-in")
        p.add_argument("--store", required=True)
        p.add_argument("--customer", required=True)
        p = command("consultation")
        p.add_argument("--id", type=int, required=True, help="the appointment")
        p.add_argument("--consultant", required=True)
        p.add_argument("--result", required=True, choices=Consultation.Result.values)
        p.add_argument("--reason", default="", choices=["", *NoDealReason.values])
        p.add_argument("--price")
        p.add_argument("--topics", default="")
        p = command("report")
        p.add_argument("--date")

    def handle(self, *args, **opts):
        translation.activate(settings.LANGUAGE_CODE)  # refusals in the product's language
        staff = acting_staff(opts)
        try:
            getattr(self, "_" + opts["action"].replace("-", "_"))(staff, opts)
        except DeskError as exc:
            raise CommandError(str(exc)) from None

    def _line(self, a, zone):
        self.stdout.write(
            f"  #{a.pk} {a.starts_at.astimezone(zone):%Y-%m-%d %H:%M} "
            f"{a.customer.code} {a.customer.name} {mask_phone(a.customer.mobile)} "
            f"{a.practitioner or '—'} {a.get_status_display()}"
        )

    def _list(self, staff, opts):
        store = store_of(staff, opts["store"])
        day = iso_date(opts["date"]) if opts.get("date") else local_date(store.organization)
        rows = tomorrow_list(access.visible_appointments(staff), store, day)
        self.stdout.write(f"{store} {day} 预约 {rows.count()} 个 (appointments)")
        for a in rows:
            self._line(a, org_zone(store.organization))

    def _practitioner(self, store, username):
        if not username:
            return None
        found_staff = access.store_staff(store, Role.PRACTITIONER).filter(username=username).first()
        if found_staff is None:
            raise CommandError(f"{username!r} 不是该门店的医生/美容师 (not a practitioner here)")
        return found_staff

    def _book(self, staff, opts):
        store = store_of(staff, opts["store"], access.desk_stores(staff))
        customer = found(access.get_desk_customer_or_404, staff, code=opts["customer"])
        room = None
        if opts.get("room"):
            room = store.rooms.filter(name=opts["room"]).first()
            if room is None:
                raise CommandError(f"找不到诊室 {opts['room']!r} (no such room)")
        appointment = book_appointment(
            customer,
            starts_at=moment(staff, opts["at"]),
            actor=staff,
            store=store,
            practitioner=self._practitioner(store, opts.get("practitioner")),
            room=room,
            duration_minutes=opts["minutes"],
            note=opts["note"],
        )
        self.stdout.write(f"已预约 #{appointment.pk} (booked)")

    def _reschedule(self, staff, opts):
        appointment = found(access.get_appointment_or_404, staff, for_desk=True, pk=opts["id"])
        moved = reschedule_appointment(
            appointment,
            actor=staff,
            starts_at=moment(staff, opts["at"]),
            duration_minutes=opts.get("minutes"),
            practitioner=self._practitioner(appointment.store, opts.get("practitioner")),
        )
        self.stdout.write(f"已改期 #{moved.pk} (moved)")

    def _transition(self, staff, opts):
        to = opts["to"]
        appointment = found(access.get_appointment_or_404, staff, pk=opts["id"])
        own = appointment.practitioner_id == staff.pk
        if not (own and to in (Appointment.Status.IN_TREATMENT, Appointment.Status.DONE)):
            if not staff.has_role(*access.DESK_ROLES):
                raise CommandError("无权操作 (not allowed)")
            appointment = found(access.get_appointment_or_404, staff, for_desk=True, pk=opts["id"])
        if to == Appointment.Status.ARRIVED:
            done = mark_arrived(appointment, actor=staff)
        elif to == Appointment.Status.IN_TREATMENT:
            done = start_treatment(appointment, actor=staff)
        elif to == Appointment.Status.DONE:
            done = finish_treatment(appointment, actor=staff, note=opts["note"])[0]
        else:
            done = transition(appointment, to, actor=staff, reason=opts["reason"])
        self.stdout.write(f"#{done.pk} → {done.get_status_display()}")

    def _arrivals(self, staff, opts):
        store = store_of(staff, opts["store"], access.desk_stores(staff))
        now = timezone.now()
        zone = org_zone(store.organization)
        for a in todays_arrivals(store, now=now):
            self._line(a, zone)
            waited = waiting_minutes(a, now)
            if waited is not None:
                self.stdout.write(f"      等候 {waited} 分钟 · 接诊 {a.consultant or '—'}")

    def _walk_in(self, staff, opts):
        store = store_of(staff, opts["store"], access.desk_stores(staff))
        customer = found(access.get_desk_customer_or_404, staff, code=opts["customer"])
        appointment = register_walk_in(customer, store=store, actor=staff)
        self.stdout.write(f"已登记到院 #{appointment.pk} (walk-in registered)")

    def _consultation(self, staff, opts):
        appointment = found(access.get_appointment_or_404, staff, for_desk=True, pk=opts["id"])
        consultant = (
            access.store_staff(appointment.store, Role.CONSULTANT)
            .filter(username=opts["consultant"])
            .first()
        )
        if consultant is None:
            raise CommandError(f"{opts['consultant']!r} 不是该门店的咨询师 (not a consultant here)")
        consultation = record_consultation(
            appointment.customer,
            store=appointment.store,
            consultant=consultant,
            actor=staff,
            result=opts["result"],
            no_deal_reason=opts["reason"],
            quoted_price=opts.get("price"),
            topics=opts["topics"],
            appointment=appointment,
        )
        self.stdout.write(f"已登记接诊 #{consultation.pk} (consultation recorded)")

    def _report(self, staff, opts):
        org = staff.organization
        day = iso_date(opts["date"]) if opts.get("date") else local_date(org) - timedelta(days=1)
        people = consultation_report(access.visible_consultations(staff), day, org)
        self.stdout.write(f"{day} 咨询师接诊及开单 (consultations and orders)")
        for p in people:
            self.stdout.write(
                f"{p['consultant']}: 接诊 {p['count']} 成交 {p['deals']} 金额 {p['amount']}"
            )
            for r in p["rows"]:
                c = r["consultation"]
                self.stdout.write(
                    f"  {c.customer.code} {c.customer.name} {r['segment'] or '—'} "
                    f"{r['tier'] or '—'} {c.get_result_display()} {r['amount']}"
                )
