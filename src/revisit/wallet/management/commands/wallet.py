"""`revisit wallet expire|points|membership`: the points program's work by hand."""

from django.core.management.base import BaseCommand, CommandError

from revisit.core.management.dates import iso_date
from revisit.core.services import resolve_organization
from revisit.customers.models import Customer
from revisit.wallet.ledger import WalletError
from revisit.wallet.membership import membership_summary, set_membership_status
from revisit.wallet.points import post_order_points
from revisit.wallet.points_models import MembershipCard, MembershipStatus
from revisit.wallet.redemption import expire_points


class Command(BaseCommand):
    help = "Customer wallets: points expiry and order points (钱包: 积分过期, 订单积分)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser(
            "expire",
            help="expire the points lots due on a date (running it twice takes nothing twice)",
        )
        expire.add_argument("--date", type=iso_date, help="default: today")
        expire.add_argument("--org")
        points = sub.add_parser("points", help="post the points of order lines that have none yet")
        points.add_argument("--org")
        member = sub.add_parser(
            "membership", help="show a customer's member card, or change its status"
        )
        member.add_argument("code", help="customer code")
        member.add_argument("--status", choices=[s.value for s in MembershipStatus])
        member.add_argument("--reason", default="")
        member.add_argument("--org")

    def handle(self, *args, **opts):
        organization = resolve_organization(opts.get("org"))
        try:
            getattr(self, "do_" + opts["action"])(organization, opts)
        except WalletError as exc:
            raise CommandError(str(exc.message)) from None

    def do_expire(self, organization, opts):
        expired = expire_points(organization, on=opts.get("date"))
        self.stdout.write(f"积分过期: {expired} 个账户 (points expired on {expired} accounts)")

    def do_membership(self, organization, opts):
        customer = Customer.objects.filter(organization=organization, code=opts["code"]).first()
        card = MembershipCard.objects.filter(customer=customer).first() if customer else None
        if card is None:
            raise CommandError(f"找不到该客户的会员卡: {opts['code']!r} (no member card)")
        if opts.get("status"):
            card = set_membership_status(
                card, opts["status"], actor=None, reason=opts.get("reason") or ""
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

    def do_points(self, organization, opts):
        posted = post_order_points(organization)
        self.stdout.write(f"订单积分: {posted} 笔 (order points posted: {posted} entries)")
