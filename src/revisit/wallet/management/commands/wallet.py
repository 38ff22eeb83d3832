"""`revisit wallet ...`: balances from the command line, as a staff member (--staff
USERNAME), with the same services and scope as the pages.

Course cards (疗程卡):
  cards --customer CODE                      her course cards: sessions left, expiry
  sell --customer CODE (--item CODE | --category NAME) --sessions N --price P
       --expires YYYY-MM-DD [--card-number X] [--store CODE]
  consume --customer CODE (--card NUMBER | --item CODE) [--key K] [--note TEXT]
  transfer --card NUMBER --to CODE --sessions N --reason TEXT
  course-calls [--date D] [--expiry-days N] [--unused-days N]
                                             put unused / soon-expiring sessions on
                                             the day's call lists (seed 000, script 2)
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from revisit.appointments.access import desk_stores
from revisit.appointments.management.commands._desk import acting_staff, found
from revisit.core.access import get_customer_or_404, get_wallet_account_or_404
from revisit.core.clock import local_date
from revisit.core.management.dates import iso_date
from revisit.core.models import Role
from revisit.sales.models import Item
from revisit.wallet.course_cards import (
    CONSUME_ROLES,
    SELL_ROLES,
    TRANSFER_ROLES,
    consume_session,
    course_cards,
    sell_course_card,
    summarize,
    transfer_sessions,
)
from revisit.wallet.ledger import Reference, WalletError
from revisit.wallet.models import AccountKind


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"应为正整数 (a positive whole number): {text!r}") from None
    if value < 1:
        raise CommandError(f"应为正整数 (a positive whole number): {text!r}")
    return value


class Command(BaseCommand):
    help = "Wallet balances: course cards (sell, consume, transfer, call list)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def command(name, **kwargs):
            p = sub.add_parser(name, **kwargs)
            p.add_argument("--staff", required=True, help="username of who acts")
            p.add_argument("--org")
            return p

        p = command("cards", help="a customer's course cards")
        p.add_argument("--customer", required=True, help="customer code")
        p = command("sell", help="sell a course card")
        p.add_argument("--customer", required=True)
        p.add_argument("--item", help="item code")
        p.add_argument("--category", default="")
        p.add_argument("--sessions", required=True)
        p.add_argument("--price", required=True)
        p.add_argument("--expires", required=True, type=iso_date)
        p.add_argument("--card-number", default="")
        p.add_argument("--store", help="store code")
        p = command("consume", help="use one session of a course card")
        p.add_argument("--customer", required=True)
        p.add_argument("--card", help="card number")
        p.add_argument("--item", help="item code (the card expiring first is used)")
        p.add_argument("--key", default="", help="idempotency key: the same key posts once")
        p.add_argument("--note", default="")
        p = command("transfer", help="transfer course-card sessions to another customer")
        p.add_argument("--card", required=True, help="card number")
        p.add_argument("--to", required=True, help="receiving customer code")
        p.add_argument("--sessions", required=True)
        p.add_argument("--reason", required=True)
        p = command("course-calls", help="call list of unused or soon-expiring sessions")
        p.add_argument("--date", type=iso_date)
        p.add_argument("--expiry-days", type=_positive)
        p.add_argument("--unused-days", type=_positive)

    def handle(self, *args, **opts):
        translation.activate(settings.LANGUAGE_CODE)  # refusals in the product's language
        staff = acting_staff(opts)
        try:
            getattr(self, "_" + opts["action"].replace("-", "_"))(staff, opts)
        except WalletError as exc:
            raise CommandError(str(exc.message)) from None

    def _require(self, staff, roles):
        if not staff.has_role(*roles):
            raise CommandError("无权操作 (not allowed)")

    def _customer(self, staff, code):
        return found(get_customer_or_404, staff, code=code)

    def _item(self, staff, code):
        item = Item.objects.filter(organization=staff.organization, code=code).first()
        if item is None:
            raise CommandError(f"找不到项目 {code!r} (no such item)")
        return item

    def _cards(self, staff, opts):
        customer = self._customer(staff, opts["customer"])
        today = local_date(staff.organization)
        cards = list(course_cards(customer))
        self.stdout.write(f"{customer.code} {customer.name}: 疗程卡 {len(cards)} 张 (course cards)")
        for card in cards:
            self.stdout.write(f"  {card.card_number}  {summarize(card, today).line()}")

    def _sell(self, staff, opts):
        self._require(staff, SELL_ROLES)
        customer = self._customer(staff, opts["customer"])
        store = None
        if opts.get("store"):
            store = desk_stores(staff).filter(code=opts["store"]).first()
            if store is None:
                raise CommandError(f"找不到门店 {opts['store']!r} 或无权访问 (no such store)")
        card = sell_course_card(
            customer,
            actor=staff,
            sessions=opts["sessions"],
            price=opts["price"],
            expires_on=opts["expires"],
            item=self._item(staff, opts["item"]) if opts.get("item") else None,
            item_category=opts["category"],
            card_number=opts["card_number"],
            store=store,
        )
        line = summarize(card, local_date(staff.organization)).line()
        self.stdout.write(f"已售卡 {card.card_number} (sold): {line}")

    def _card(self, staff, number):
        return found(
            get_wallet_account_or_404, staff, kind=AccountKind.COURSE_CARD, card_number=number
        )

    def _consume(self, staff, opts):
        self._require(staff, CONSUME_ROLES)
        customer = self._customer(staff, opts["customer"])
        if not opts.get("card") and not opts.get("item"):
            raise CommandError("请给出 --card 或 --item (give --card or --item)")
        card = self._card(staff, opts["card"]) if opts.get("card") else None
        key = opts["key"].strip()
        if len(key) > 64:
            raise CommandError("--key 最长 64 个字符 (at most 64 characters)")
        entry = consume_session(
            customer,
            actor=staff,
            card=card,
            item=self._item(staff, opts["item"]) if opts.get("item") else None,
            reference=Reference(),
            idempotency_key=f"cli:{key}" if key else "",
            reason=opts["note"][:200],
        )
        used = entry.account
        used.refresh_from_db()
        line = summarize(used, local_date(staff.organization)).line()
        self.stdout.write(f"已划卡 {used.card_number} (one session used): {line}")

    def _transfer(self, staff, opts):
        self._require(staff, TRANSFER_ROLES)
        card = self._card(staff, opts["card"])
        to = self._customer(staff, opts["to"])
        new_card, _out, _into = transfer_sessions(
            card, to, sessions=opts["sessions"], actor=staff, reason=opts["reason"]
        )
        self.stdout.write(
            f"已转 {opts['sessions']} 次 → {to.code} 新卡 {new_card.card_number} (transferred)"
        )

    def _course_calls(self, staff, opts):
        from revisit.outreach.course_calls import generate_course_card_calls

        if not staff.has_role(Role.ADMIN):
            raise CommandError("无权操作 (not allowed)")
        day = opts.get("date") or local_date(staff.organization)
        result = generate_course_card_calls(
            staff.organization,
            day=day,
            actor=staff,
            expiry_days=opts.get("expiry_days"),
            unused_days=opts.get("unused_days"),
        )
        self.stdout.write(
            f"{day}: 疗程卡回访 {result.scheduled} 位 (即将到期 {result.expiring}, "
            f"久未使用 {result.unused}); 新建任务 {result.generated.created} "
            f"(course-card calls {result.scheduled}, tasks created {result.generated.created})"
        )
