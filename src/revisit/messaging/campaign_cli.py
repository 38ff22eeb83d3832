"""`revisit messages campaign …`: group sends from the command line, through the same
services as the pages (the staff member named by --staff acts and is audited).

  campaign create --staff U --name N --template T [--tier A] [--store CODE] [--segment A1]
                  [--membership member|non_member] [--visited-after D] [--visited-before D]
                  [--date TEXT]
  campaign list   --staff U
  campaign submit|cancel ID --staff U
  campaign approve|reject ID --staff U [--note TEXT]
  campaign report ID --staff U
"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404

from revisit.core.models import Staff
from revisit.core.services import resolve_organization
from revisit.messaging.campaign_sends import (
    approve_campaign,
    campaign_report,
    cancel_campaign,
    create_campaign,
    get_campaign_or_404,
    reject_campaign,
    submit_campaign,
    visible_campaigns,
)
from revisit.messaging.models import MessageTemplate, Suppression
from revisit.messaging.rendering import TemplateError
from revisit.messaging.services import MessagingError

ACTIONS = ("create", "list", "submit", "cancel", "approve", "reject", "report")


def add_arguments(sub):
    campaign = sub.add_parser("campaign", help="group sends (群发): create, approve, report")
    campaign.add_argument("step", choices=ACTIONS)
    campaign.add_argument("id", nargs="?", type=int, help="the send's id")
    campaign.add_argument("--org")
    campaign.add_argument("--staff", required=True, help="username of who acts")
    campaign.add_argument("--name", default="")
    campaign.add_argument("--template", default="", help="the template's name")
    campaign.add_argument("--tier", default="")
    campaign.add_argument("--segment", default="")
    campaign.add_argument("--store", default="", help="home store code")
    campaign.add_argument("--membership", default="", choices=["", "member", "non_member"])
    campaign.add_argument("--visited-after", default="")
    campaign.add_argument("--visited-before", default="")
    campaign.add_argument("--date", default="", help="value of {date}")
    campaign.add_argument("--note", default="")


def _line(c) -> str:
    return (
        f"#{c.pk} {c.name} · {c.get_status_display()} · "
        f"收件人 {c.recipient_count} / {c.audience_count}"
    )


def handle(opts, out):
    org = resolve_organization(opts.get("org"))
    staff = Staff.objects.filter(organization=org, username=opts["staff"]).first()
    if staff is None:
        raise CommandError("找不到该员工 (no such staff member)")
    step = opts["step"]
    try:
        if step == "list":
            for c in visible_campaigns(staff).order_by("-created_at")[:200]:
                out.write(_line(c))
            return
        if step == "create":
            template = MessageTemplate.objects.filter(
                organization=org, name=opts["template"]
            ).first()
            if template is None:
                raise CommandError("找不到该模板 (no such template)")
            store = None
            if opts["store"]:
                store = org.stores.filter(code=opts["store"]).first()
                if store is None:
                    raise CommandError("找不到该门店 (no such store)")
            filters = {
                "tier": opts["tier"],
                "segment": opts["segment"],
                "store": store.pk if store else None,
                "membership": opts["membership"],
                "visited_after": opts["visited_after"],
                "visited_before": opts["visited_before"],
            }
            campaign = create_campaign(
                org,
                actor=staff,
                name=opts["name"] or template.name,
                template=template,
                filters=filters,
                date_value=opts["date"],
            )
            out.write(_line(campaign))
            return
        if not opts["id"]:
            raise CommandError("请给出群发编号 (give the send's id)")
        campaign = get_campaign_or_404(staff, pk=opts["id"])
        if step == "report":
            report = campaign_report(campaign)
            labels = dict(Suppression.choices)
            held = "，".join(f"{labels.get(r, r)} {n}" for r, n in report["suppressed"]) or "0"
            out.write(
                f"{_line(campaign)}\n已发送 {report['sent']}，已送达 {report['delivered']}，"
                f"失败 {report['failed']}，未发送 {report['not_sent']}（{held}），"
                f"退订 {report['opted_out']}；30 天内下单顾客 {report['visitors']}，"
                f"订单 {report['orders']}，金额 {report['amount']}"
            )
            return
        action = {
            "submit": lambda: submit_campaign(campaign, actor=staff),
            "cancel": lambda: cancel_campaign(campaign, actor=staff),
            "approve": lambda: approve_campaign(campaign, actor=staff, note=opts["note"]),
            "reject": lambda: reject_campaign(campaign, actor=staff, note=opts["note"]),
        }[step]
        out.write(_line(action()))
    except (MessagingError, TemplateError) as error:
        raise CommandError(str(error)) from None
    except Http404:
        raise CommandError("找不到该群发 (no such send)") from None
    except PermissionDenied:
        raise CommandError("无权执行此操作 (not allowed)") from None
