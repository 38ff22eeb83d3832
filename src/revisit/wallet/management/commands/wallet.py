"""`revisit wallet ...`: the wallet from the command line, with the same services as the
cashier page. `--staff USERNAME` acts as that person, in her scope (a till role for
writes); without it, the command acts for the whole organization (`--org CODE` when
there are several), recorded without a staff member.

  show CODE [--entries N]                       every account of a customer, latest entries
  topup CODE AMOUNT [--store S] [--reason R] [--key K]
  spend CODE AMOUNT [--credit] [--reason R] [--key K]
  refund ENTRY_ID [--amount A] [--reason R] [--key K]

Course cards (疗程卡), always as a staff member (--staff):
  cards --customer CODE                      her course cards: sessions left, expiry
  sell --customer CODE (--item CODE | --category NAME) --sessions N --price P
       --expires YYYY-MM-DD [--card-number X] [--store CODE]
  consume --customer CODE (--card NUMBER | --item CODE) [--key K] [--note TEXT]
  transfer --card NUMBER --to CODE --sessions N --reason TEXT
  course-calls [--date D] [--expiry-days N] [--unused-days N]
                                             put unused / soon-expiring sessions on
                                             the day's call lists (seed 000, script 2)

Points and membership (the organization's work, no --staff needed):
  expire [--date D]                          expire the points lots due (idempotent)
  points                                     post the points of order lines without any
  membership CODE [--status S --reason R]    a member card, its history, a status change

Each action is a pair of methods: `args_<action>(parser)` and `do_<action>(ctx, opts)`,
listed in ACTIONS; add an action by adding its name and its two methods.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from revisit.appointments.access import desk_stores
from revisit.appointments.management.commands._desk import found
from revisit.core.access import (
    get_customer_or_404,
    get_wallet_account_or_404,
    visible_customers,
    visible_wallet_accounts,
)
from revisit.core.clock import local_date, org_zone
from revisit.core.management.dates import iso_date
from revisit.core.models import Organization, Role, Staff, Store
from revisit.core.services import resolve_organization
from revisit.customers.models import Customer
from revisit.customers.phones import mask_phone
from revisit.sales.models import Item
from revisit.wallet import access
from revisit.wallet.amounts import parse_amount
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
from revisit.wallet.membership import membership_summary, set_membership_status
from revisit.wallet.models import Account, AccountKind, Entry
from revisit.wallet.points import post_order_points
from revisit.wallet.points_models import MembershipCard, MembershipStatus
from revisit.wallet.reads import account_row, entry_row
from revisit.wallet.redemption import expire_points
from revisit.wallet.stored_value import refund, spend, top_up

ACTIONS = [
    "show",
    "topup",
    "spend",
    "refund",
    "cards",
    "sell",
    "consume",
    "transfer",
    "course-calls",
    "expire",
    "points",
    "membership",
]
MAX_SHOWN_ENTRIES = 200


@dataclass
class Context:
    """Who acts and what they may reach."""

    org: Organization
    staff: Staff | None

    def customers(self):
        if self.staff is None:
            return Customer.objects.filter(organization=self.org)
        return visible_customers(self.staff)

    def accounts(self):
        if self.staff is None:
            return Account.objects.filter(organization=self.org)
        return visible_wallet_accounts(self.staff)

    def customer(self, code: str) -> Customer:
        found = self.customers().filter(code=code.strip()).first()
        if found is None:
            raise CommandError(f"找不到客户 {code!r} 或无权访问 (no such customer in your scope)")
        return found

    def writer(self) -> None:
        if self.staff is not None and not access.may_work_the_till(self.staff):
            raise CommandError("该员工没有收银权限 (this staff member does not work the till)")

    def key(self, opts) -> str:
        key = (opts.get("key") or "").strip()
        if len(key) > 64:
            raise CommandError("--key 最多 64 个字符 (at most 64 characters)")
        return f"cli:{key}" if key else ""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"应为正整数 (a positive whole number): {text!r}") from None
    if value < 1:
        raise CommandError(f"应为正整数 (a positive whole number): {text!r}")
    return value


def _amount(text: str):
    try:
        return parse_amount(text)
    except WalletError as exc:
        raise CommandError(f"{exc.message} ({text!r})") from None


class Command(BaseCommand):
    help = "A customer's balances; top-up, spend and refund stored value."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ACTIONS:
            method = name.replace("-", "_")
            p = sub.add_parser(name, help=(getattr(self, f"do_{method}").__doc__ or "").strip())
            p.add_argument("--org", help="organization code (when there are several)")
            p.add_argument("--staff", help="username of who acts (default: the organization)")
            getattr(self, f"args_{method}")(p)

    def handle(self, *args, **opts):
        translation.activate(settings.LANGUAGE_CODE)  # refusals in the product's language
        org = resolve_organization(opts.get("org"))
        staff = None
        if opts.get("staff"):
            staff = (
                Staff.objects.filter(organization=org, username=opts["staff"], is_active=True)
                .prefetch_related("role_assignments")
                .first()
            )
            if staff is None:
                raise CommandError(f"找不到员工 {opts['staff']!r} (no such staff member)")
        try:
            getattr(self, f"do_{opts['action'].replace('-', '_')}")(Context(org, staff), opts)
        except WalletError as exc:
            raise CommandError(str(exc.message)) from None

    # --- show ---

    def args_show(self, p):
        p.add_argument("code", help="customer code")
        p.add_argument("--entries", type=int, default=10, help="latest entries per account")

    def do_show(self, ctx, opts):
        """every account of a customer with its latest entries"""
        customer = ctx.customer(opts["code"])
        n = opts["entries"]
        if not 0 <= n <= MAX_SHOWN_ENTRIES:
            raise CommandError(f"--entries 应在 0 到 {MAX_SHOWN_ENTRIES} 之间")
        zone = org_zone(ctx.org)
        today = local_date(ctx.org)
        self.stdout.write(f"{customer.code} {customer.name} {mask_phone(customer.mobile)}")
        accounts = ctx.accounts().filter(customer=customer).order_by("kind", "opened_at", "pk")
        if not accounts:
            self.stdout.write("  暂无余额 (no balances)")
        for account in accounts:
            row = account_row(account, today)
            expiry = f" 有效期至 {row['expires_on']}" if row["expires_on"] else ""
            self.stdout.write(
                f"  #{account.pk} {row['kind_label']} {row['card_number'] or ''} "
                f"余额 {row['balance']} {row['unit']}{expiry} {row['status_label']}"
            )
            for entry in account.entries.order_by("-created_at", "-pk")[:n]:
                e = entry_row(entry, account.kind)
                self.stdout.write(
                    f"      {e['at'].astimezone(zone):%Y-%m-%d %H:%M} #{entry.pk} "
                    f"{e['kind_label']} {e['amount']} → {e['balance_after']} {e['reason']}"
                )

    # --- topup ---

    def args_topup(self, p):
        p.add_argument("code", help="customer code")
        p.add_argument("amount", help="yuan, e.g. 10000")
        p.add_argument("--store", help="store code (default: her home store)")
        p.add_argument("--reason", default="")
        p.add_argument("--key", help="idempotency key: the same key posts once")

    def do_topup(self, ctx, opts):
        """top up stored value (with the organization's bonus)"""
        ctx.writer()
        customer = ctx.customer(opts["code"])
        amount = _amount(opts["amount"])
        store = customer.home_store
        if opts.get("store"):
            stores = (
                access.cashier_stores(ctx.staff)
                if ctx.staff
                else Store.objects.filter(organization=ctx.org)
            )
            store = stores.filter(code=opts["store"]).first()
            if store is None:
                raise CommandError(f"找不到门店 {opts['store']!r} 或无权访问 (no such store)")
        done = top_up(
            customer,
            amount,
            actor=ctx.staff,
            store=store,
            reason=opts["reason"],
            idempotency_key=ctx.key(opts),
        )
        bonus = f"，赠送 {done.bonus.amount}" if done.bonus else ""
        again = " (重复请求，未再次记账 replayed)" if done.replayed else ""
        self.stdout.write(
            f"已充值 {done.entry.amount}{bonus}；储值余额 {done.balance} 元 #{done.entry.pk}{again}"
        )

    # --- spend ---

    def args_spend(self, p):
        p.add_argument("code", help="customer code")
        p.add_argument("amount", help="yuan")
        p.add_argument("--credit", action="store_true", help="from credit (美丽金)")
        p.add_argument("--reason", default="")
        p.add_argument("--key", help="idempotency key: the same key posts once")

    def do_spend(self, ctx, opts):
        """spend from stored value (or --credit)"""
        ctx.writer()
        customer = ctx.customer(opts["code"])
        amount = _amount(opts["amount"])
        kind = AccountKind.CREDIT if opts["credit"] else AccountKind.STORED_VALUE
        account = ctx.accounts().filter(customer=customer, kind=kind).first()
        if account is None:
            raise CommandError("该客户没有这种余额 (no such balance)")
        done = spend(
            account, amount, actor=ctx.staff, reason=opts["reason"], idempotency_key=ctx.key(opts)
        )
        again = " (重复请求，未再次记账 replayed)" if done.replayed else ""
        self.stdout.write(
            f"已消费 {-done.entry.amount}；{account.get_kind_display()}余额 {done.balance} 元 "
            f"#{done.entry.pk}{again}"
        )

    # --- refund ---

    def args_refund(self, p):
        p.add_argument("entry", type=int, help="the top-up or spend entry id (see show)")
        p.add_argument("--amount", help="yuan (default: all that may be refunded)")
        p.add_argument("--reason", default="")
        p.add_argument("--key", help="idempotency key: the same key posts once")

    def do_refund(self, ctx, opts):
        """refund a top-up (its bonus taken back first) or a spend"""
        ctx.writer()
        entry = (
            Entry.objects.filter(account__in=ctx.accounts(), pk=opts["entry"])
            .select_related("account")
            .first()
        )
        if entry is None:
            raise CommandError("找不到该记录或无权访问 (not found in your scope)")
        amount = _amount(opts["amount"]) if opts.get("amount") else None
        done = refund(
            entry, amount, actor=ctx.staff, reason=opts["reason"], idempotency_key=ctx.key(opts)
        )
        back = f"，收回赠送 {-done.bonus_taken_back.amount}" if done.bonus_taken_back else ""
        again = " (重复请求，未再次记账 replayed)" if done.replayed else ""
        self.stdout.write(
            f"已退款 {abs(done.entry.amount)}{back}；余额 {done.balance} 元 #{done.entry.pk}{again}"
        )

    # --- course cards (疗程卡): always as a staff member ---

    def _staff(self, ctx, roles=None) -> Staff:
        if ctx.staff is None:
            raise CommandError("疗程卡操作须用 --staff 指定员工 (give --staff)")
        if roles is not None and not ctx.staff.has_role(*roles):
            raise CommandError("无权操作 (not allowed)")
        return ctx.staff

    def _course_customer(self, staff, code):
        return found(get_customer_or_404, staff, code=code)

    def _item(self, staff, code):
        item = Item.objects.filter(organization=staff.organization, code=code).first()
        if item is None:
            raise CommandError(f"找不到项目 {code!r} (no such item)")
        return item

    def _card(self, staff, number):
        return found(
            get_wallet_account_or_404, staff, kind=AccountKind.COURSE_CARD, card_number=number
        )

    def args_cards(self, p):
        p.add_argument("--customer", required=True, help="customer code")

    def do_cards(self, ctx, opts):
        """a customer's course cards"""
        staff = self._staff(ctx)
        customer = self._course_customer(staff, opts["customer"])
        today = local_date(staff.organization)
        cards = list(course_cards(customer))
        self.stdout.write(f"{customer.code} {customer.name}: 疗程卡 {len(cards)} 张 (course cards)")
        for card in cards:
            self.stdout.write(f"  {card.card_number}  {summarize(card, today).line()}")

    def args_sell(self, p):
        p.add_argument("--customer", required=True)
        p.add_argument("--item", help="item code")
        p.add_argument("--category", default="")
        p.add_argument("--sessions", required=True)
        p.add_argument("--price", required=True)
        p.add_argument("--expires", required=True, type=iso_date)
        p.add_argument("--card-number", default="")
        p.add_argument("--store", help="store code")

    def do_sell(self, ctx, opts):
        """sell a course card"""
        staff = self._staff(ctx, SELL_ROLES)
        customer = self._course_customer(staff, opts["customer"])
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

    def args_consume(self, p):
        p.add_argument("--customer", required=True)
        p.add_argument("--card", help="card number")
        p.add_argument("--item", help="item code (the card expiring first is used)")
        p.add_argument("--key", default="", help="idempotency key: the same key posts once")
        p.add_argument("--note", default="")

    def do_consume(self, ctx, opts):
        """use one session of a course card"""
        staff = self._staff(ctx, CONSUME_ROLES)
        customer = self._course_customer(staff, opts["customer"])
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

    def args_transfer(self, p):
        p.add_argument("--card", required=True, help="card number")
        p.add_argument("--to", required=True, help="receiving customer code")
        p.add_argument("--sessions", required=True)
        p.add_argument("--reason", required=True)

    def do_transfer(self, ctx, opts):
        """transfer course-card sessions to another customer"""
        staff = self._staff(ctx, TRANSFER_ROLES)
        card = self._card(staff, opts["card"])
        to = self._course_customer(staff, opts["to"])
        new_card, _out, _into = transfer_sessions(
            card, to, sessions=opts["sessions"], actor=staff, reason=opts["reason"]
        )
        self.stdout.write(
            f"已转 {opts['sessions']} 次 → {to.code} 新卡 {new_card.card_number} (transferred)"
        )

    def args_course_calls(self, p):
        p.add_argument("--date", type=iso_date)
        p.add_argument("--expiry-days", type=_positive)
        p.add_argument("--unused-days", type=_positive)

    def do_course_calls(self, ctx, opts):
        """call list of unused or soon-expiring sessions"""
        from revisit.outreach.course_calls import generate_course_card_calls

        staff = self._staff(ctx, [Role.ADMIN])
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

    # --- points and membership ---

    def args_expire(self, p):
        p.add_argument("--date", type=iso_date, help="default: today")

    def do_expire(self, ctx, opts):
        """expire the points lots due on a date (running it twice takes nothing twice)"""
        expired = expire_points(ctx.org, on=opts.get("date"))
        self.stdout.write(f"积分过期: {expired} 个账户 (points expired on {expired} accounts)")

    def args_points(self, p):
        pass

    def do_points(self, ctx, opts):
        """post the points of order lines that have none yet"""
        posted = post_order_points(ctx.org)
        self.stdout.write(f"订单积分: {posted} 笔 (order points posted: {posted} entries)")

    def args_membership(self, p):
        p.add_argument("code", help="customer code")
        p.add_argument("--status", choices=[s.value for s in MembershipStatus])
        p.add_argument("--reason", default="")

    def do_membership(self, ctx, opts):
        """show a customer's member card, or change its status"""
        customer = ctx.customers().filter(code=opts["code"]).first()
        card = MembershipCard.objects.filter(customer=customer).first() if customer else None
        if card is None:
            raise CommandError(f"找不到该客户的会员卡: {opts['code']!r} (no member card)")
        if opts.get("status"):
            card = set_membership_status(
                card, opts["status"], actor=ctx.staff, reason=opts.get("reason") or ""
            )
        summary = membership_summary(customer)
        self.stdout.write(
            f"{card.card_number} {card.get_status_display()} "
            f"积分 {summary['points']} 累计 {summary['accumulated']}"
        )
        for change in summary["history"]:
            self.stdout.write(
                f"  {change['at']:%Y-%m-%d %H:%M} {change['from_label']} → {change['to_label']} "
                f"{change['reason']}"
            )
