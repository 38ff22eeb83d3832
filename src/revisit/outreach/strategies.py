"""Segment strategies: defaults for a clinic, and the upgrade price rule."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from revisit.core.audit import record_event
from revisit.core.models import Organization
from revisit.core.money import round_money
from revisit.outreach.models import Allocation, Strategy
from revisit.sales.models import Item
from revisit.wallet.course_cards import open_cards_of
from revisit.wallet.models import Account, AccountKind

ONSITE, SERVICE, MEMBER = "onsite", "customer_service", "member_center"

# (target, name, department, invitation type, priority, worked, policy, offer, discount)
DEFAULT_STRATEGIES = [
    (
        "SVIP",
        "稳定打卡 尊享服务",
        ONSITE,
        "expert_event",
        1,
        True,
        "最高价值顾客：专属顾问跟进，活动月到院赠送高端护理一次。",
        "到院赠高端护理 1 次；赠 2 张亲情卡（本人不可用，可转赠好友）",
        None,
    ),
    (
        "A1",
        "稳定打卡 尊享服务",
        ONSITE,
        "expert_event",
        1,
        True,
        "时间近、频次高、金额大：保持活跃，会员权益与核心项目深挖升级。",
        "到院赠体验项目 1 次；老带新：好友首次消费额 10% 返美丽金；赠 3 张亲情卡",
        None,
    ),
    (
        "A2",
        "消费升级",
        ONSITE,
        "new_product",
        2,
        True,
        "时间近、金额高、频次低：特价体验中高端项目，关联开发提高频次，转化为重要价值客户。",
        "到院免费体验中高端项目 1 次；赠 3 张亲情卡",
        None,
    ),
    (
        "A3",
        "消费升级",
        ONSITE,
        "special_price",
        2,
        True,
        "忠诚但近期未到院：主动保持联系，会员升级或半价入会，日常问候。",
        "免费体验嫩肤 1 次；老带新礼；赠亲情卡与除皱体验卡",
        None,
    ),
    (
        "A4",
        "休眠激活",
        ONSITE,
        "free_trial",
        1,
        True,
        "金额大、频次低、久未到院：满意度回访找出流失原因，到院专人接待，不强推销售。",
        "半价体验价项目；嫌贵者推荐活动美肤卡；服务不满者赠护理一次",
        None,
    ),
    (
        "B1",
        "消费升级",
        SERVICE,
        "special_price",
        3,
        True,
        "频次高、时间近、金额低：同品类加价升级换购，升级价按当月执行价的 8 折减已购项目价。",
        "升级换购：当月价 × 0.8 − 已购项目价",
        Decimal("0.80"),
    ),
    (
        "B2",
        "大促刺激 活动裂变",
        SERVICE,
        "special_price",
        4,
        True,
        "频次低、金额低：低价秒杀激活与裂变，疗程卡锁客，推动升级。",
        "多重项目低价秒杀；疗程卡",
        None,
    ),
    (
        "B3",
        "积分优惠 重建联系",
        SERVICE,
        "free_trial",
        4,
        True,
        "久未购买、频次高金额低：积分、优惠、折扣，重新建立联系。",
        "院庆到院领取大礼包 1 个",
        None,
    ),
    (
        "B4",
        "减少投入",
        SERVICE,
        "",
        9,
        False,
        "三值都低：减少营销和服务投入，可不主动拨打。",
        "",
        None,
    ),
    # Allocation by value tier (A: 3 万以上, B: 1–3 万, C: below): off until the
    # organization works by tier; then A/B go to the owning consultant, C to the call team.
    (
        "A",
        "A 类：咨询师维护",
        ONSITE,
        "expert_event",
        2,
        False,
        "累计消费高：由归属咨询师维护，先分析消费轨迹与潜在需求，再定邀约方案。",
        "",
        None,
    ),
    (
        "B",
        "B 类：咨询师维护",
        ONSITE,
        "special_price",
        3,
        False,
        "累计消费中等：由归属咨询师维护，按过往项目与价位精准邀约。",
        "",
        None,
    ),
    (
        "C",
        "C 类：呼叫组邀约",
        SERVICE,
        "special_price",
        5,
        False,
        "累计消费低、上门未成交或未上门：专职呼叫组电话邀约，有意向转现场咨询跟进。",
        "",
        None,
    ),
]

# Who takes each default strategy's customers (the rest: by department).
DEFAULT_ALLOCATION = {
    "SVIP": Allocation.MANAGER,
    "A": Allocation.OWNER,
    "B": Allocation.OWNER,
    "C": Allocation.CALL_TEAM,
    "B1": Allocation.ASSISTANT,
}


# Default call scripts (placeholders are filled on each task, see outreach/scripts.py).
SURVEY_SCRIPT = (
    "您好，请问是{surname}{honorific}吗？我是{org}品质监督部的{staff}。\n"
    "您在 {last_visit} 来我们这里做了{last_item}，想做个简短的回访：当时的体验怎么样？"
    "工作人员有没有为您做免费的皮肤检测？（按调查表逐项询问，记下不满意的原因）\n"
    "感谢您的配合！为表谢意，我们为您准备了：{offer}。"
)
INVITATION_SCRIPT = (
    "您好，请问是{surname}{honorific}吗？我是{org}您的美丽顾问{staff}。\n"
    "您上次来做的是{last_item}，这个月我们为老顾客准备了：{offer}。\n"
    "帮您预约一个时间过来体验，您看哪天方便？"
)
DEFAULT_SCRIPTS = {"A3": SURVEY_SCRIPT, "A4": SURVEY_SCRIPT}


def install_default_strategies(organization: Organization) -> int:
    """Give the organization the default strategy for every segment and SVIP it lacks;
    existing strategies are left as the organization edited them. Returns how many were
    added."""
    with transaction.atomic():
        existing = set(
            Strategy.objects.filter(organization=organization).values_list("target", flat=True)
        )
        new = [
            Strategy(
                organization=organization,
                target=target,
                name=name,
                department=dept,
                invitation_type=invitation,
                priority=priority,
                is_worked=worked,
                policy=policy,
                offer=offer,
                upgrade_discount=discount,
                script=DEFAULT_SCRIPTS.get(target, INVITATION_SCRIPT) if invitation else "",
                allocation=DEFAULT_ALLOCATION.get(target, Allocation.DEPARTMENT),
            )
            for target, name, dept, invitation, priority, worked, policy, offer, discount in DEFAULT_STRATEGIES
            if target not in existing
        ]
        Strategy.objects.bulk_create(new)
        if new:
            record_event(
                organization,
                actor=None,
                action="strategy.install_defaults",
                targets=[s.target for s in new],
            )
    return len(new)


def upgrade_price(
    current_price: Decimal, stored_value: Decimal, discount: Decimal = Decimal("0.80")
) -> Decimal:
    """What the customer adds to trade a stored item up: this month's price of the better
    item times the discount, minus what the stored item is worth (never below zero).

    >>> upgrade_price(Decimal("1980"), Decimal("980"))
    Decimal('604.00')
    """
    return max(
        round_money(Decimal(current_price) * Decimal(discount) - Decimal(stored_value)),
        Decimal("0.00"),
    )


@dataclass(frozen=True)
class UpgradeOffer:
    """The trade-up a B1-style strategy offers: her last item for the next one up."""

    stored_item: str
    stored_value: Decimal
    target_item: str
    target_price: Decimal
    discount: Decimal
    price: Decimal


@dataclass(frozen=True)
class StoredItem:
    """What a customer holds and may trade up (seed 000: 顾客系统存量 980 元丝丽 516):
    the remaining sessions of a course card (sessions × value per session), else her
    stored-value balance on her last paid item, else that item's price."""

    name: str
    category: str
    price: Decimal  # the better item costs more than this
    value: Decimal  # what she holds: taken off the better item's price
    item_id: int | None = None


def stored_items(customer_ids, last_lines: dict, on, *, cards: dict | None = None) -> dict:
    """What each customer holds to trade up (customer id → [StoredItem], best first):
    her unexpired course cards, the most value left first, then her last paid line
    valued at her stored-value balance (when she has one) or at what she paid. Two
    queries (one when `cards`, from `open_cards_of`, are at hand); none without customers."""
    found: dict[int, list[StoredItem]] = {}
    customer_ids = set(customer_ids)
    if not customer_ids:
        return found
    if cards is None:
        cards = open_cards_of(customer_ids, on)
    for customer_id, held in cards.items():
        if customer_id not in customer_ids:
            continue
        live = [c for c in held if not c.expired and c.category]
        for card in sorted(live, key=lambda c: (-c.remaining_value, c.id)):
            found.setdefault(customer_id, []).append(
                StoredItem(
                    name=card.label,
                    category=card.category,
                    price=card.item_price
                    if card.item_price is not None
                    else (card.unit_value or Decimal(0)),
                    value=card.remaining_value,
                    item_id=card.item_id,
                )
            )
    balances = dict(
        Account.objects.filter(
            customer_id__in=list(customer_ids), kind=AccountKind.STORED_VALUE, balance__gt=0
        ).values_list("customer_id", "balance")
    )
    for customer_id, line in last_lines.items():
        if (
            customer_id not in customer_ids
            or line is None
            or not line.item_id
            or not line.item.category
        ):
            continue
        paid = round_money(line.amount / (line.quantity or 1))
        found.setdefault(customer_id, []).append(
            StoredItem(
                name=line.item.name,
                category=line.item.category,
                price=paid,
                value=round_money(balances.get(customer_id, paid)),
                item_id=line.item_id,
            )
        )
    return found


def upgrade_offers(stored_by_task: dict, discount_by_task: dict, organization) -> dict:
    """For each task whose strategy has an upgrade discount, the offer from the customer's
    stored item (see `stored_items`; the first that has one) to the cheapest other item of
    the same category priced above it: the better item's price × the discount − the
    stored item's value.

    `stored_by_task` maps a task id to the customer's StoredItems (a list, or None);
    `discount_by_task` maps a task id to the strategy's discount. One query in all."""
    wanted = {
        task_id: [s for s in stored if s.category]
        for task_id, stored in stored_by_task.items()
        if task_id in discount_by_task and stored
    }
    wanted = {task_id: stored for task_id, stored in wanted.items() if stored}
    if not wanted:
        return {}
    categories = {s.category for stored in wanted.values() for s in stored}
    catalog: dict[str, list] = {}
    for item in Item.objects.filter(
        organization=organization, category__in=categories, list_price__isnull=False
    ).order_by("list_price", "code"):
        catalog.setdefault(item.category, []).append(item)
    offers = {}
    for task_id, candidates in wanted.items():
        for stored in candidates:
            better = next(
                (
                    i
                    for i in catalog.get(stored.category, [])
                    if i.list_price > stored.price and i.pk != stored.item_id
                ),
                None,
            )
            if better is None:
                continue
            discount = discount_by_task[task_id]
            offers[task_id] = UpgradeOffer(
                stored_item=stored.name,
                stored_value=round_money(stored.value),
                target_item=better.name,
                target_price=better.list_price,
                discount=discount,
                price=upgrade_price(better.list_price, stored.value, discount),
            )
            break
    return offers
