"""The rewards of a referred customer's first order: proposed for both sides, approved
or rejected by the store's manager. An approved rebate is posted to the customer's credit
(美丽金), approved points to her points balance, both on the wallet's one ledger; a gift
is handed over."""

import math
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Organization, Staff
from revisit.core.money import round_money
from revisit.customers.models import Customer
from revisit.referrals.models import Lead, Reward, RewardKind, RewardSide, RewardStatus
from revisit.referrals.policy import ReferralError, may_approve, referral_settings
from revisit.sales.models import Order, OrderLine
from revisit.wallet.ledger import Reference, open_account, post
from revisit.wallet.models import AccountKind, EntryKind, ReferenceType
from revisit.wallet.points import lot_expiry, points_settings

# What an approved reward is posted to (a gift is handed over, not posted).
POSTED_TO = {
    RewardKind.REBATE: AccountKind.CREDIT,
    RewardKind.GIFT_CREDIT: AccountKind.CREDIT,
    RewardKind.POINTS: AccountKind.POINTS,
}
REASONS = {
    RewardKind.REBATE: _("Referral rebate"),
    RewardKind.GIFT_CREDIT: _("Referral gift credit"),
    RewardKind.POINTS: _("Referral points"),
}


def first_order(customer: Customer) -> tuple[Order, Decimal] | None:
    """Her first order (earliest date) and what she paid on it."""
    order = (
        Order.objects.filter(customer=customer)
        .order_by("order_date", "pk")
        .annotate(paid=Sum("lines__amount"))
        .first()
    )
    if order is None:
        return None
    return order, round_money(order.paid or 0)


def propose_rewards(lead: Lead, *, now=None) -> list[Reward]:
    """The rewards of `lead`'s first order, proposed once: a rebate for both sides
    (a share of the first spend), the referrer's gift when the spend reaches the
    threshold, her gift credit (a share of the spend, when the program gives one), and
    her points (whole points per yuan of the first spend) while the organization's
    points program is on. Nothing when she has no paid order yet or rewards exist
    already."""
    if lead.customer_id is None or lead.rewards.exists():
        return []
    found = first_order(lead.customer)
    if found is None or found[1] <= 0:
        return []
    order, paid = found
    program = referral_settings(lead.organization)
    now = now or timezone.now()
    planned = [
        (
            RewardSide.REFERRER,
            RewardKind.REBATE,
            lead.referrer,
            paid * program.referrer_rebate_rate,
            "",
        ),
        (
            RewardSide.REFEREE,
            RewardKind.REBATE,
            lead.customer,
            paid * program.referee_rebate_rate,
            "",
        ),
    ]
    if program.gift_value > 0 and paid >= program.gift_threshold:
        planned.append(
            (
                RewardSide.REFERRER,
                RewardKind.GIFT,
                lead.referrer,
                program.gift_value,
                program.gift_description,
            )
        )
    planned.append(
        (
            RewardSide.REFERRER,
            RewardKind.GIFT_CREDIT,
            lead.referrer,
            paid * program.gift_credit_rate,
            "",
        )
    )
    points = math.floor(paid * program.referrer_points_per_yuan)
    if points > 0 and points_settings(lead.organization).enabled:
        planned.append((RewardSide.REFERRER, RewardKind.POINTS, lead.referrer, Decimal(points), ""))
    rewards = []
    with transaction.atomic():
        Lead.objects.select_for_update().filter(pk=lead.pk).first()
        if lead.rewards.exists():
            return []
        for side, kind, customer, amount, description in planned:
            amount = round_money(amount)
            if amount <= 0:
                continue
            rewards.append(
                Reward.objects.create(
                    organization_id=lead.organization_id,
                    lead=lead,
                    customer=customer,
                    side=side,
                    kind=kind,
                    amount=amount,
                    description=description,
                    order=order,
                    proposed_at=now,
                )
            )
        if rewards:
            record_event(
                lead.organization,
                actor=None,
                action="referral.propose",
                target=lead.customer,
                lead=lead.pk,
                count=len(rewards),
            )
    return rewards


def propose_due_rewards(organization: Organization, *, now=None) -> int:
    """Propose the rewards of every arrived lead whose customer has a paid order and no
    rewards yet (after an order import, and in the hourly tick). Run twice, proposes once."""
    paid = OrderLine.objects.filter(customer_id=OuterRef("customer_id"), amount__gt=0)
    due = Lead.objects.filter(
        organization=organization, customer__isnull=False, rewards__isnull=True
    ).filter(Exists(paid))
    return sum(len(propose_rewards(lead, now=now)) for lead in due.select_related("organization"))


def _post(reward: Reward, *, actor: Staff, now):
    """Post an approved rebate or gift credit to her credit, approved points to her
    points balance (a points lot expires as the points program says); once, whatever
    the retries."""
    kind = POSTED_TO[reward.kind]
    account = open_account(reward.customer, kind, actor=actor, now=now)
    expires_on = None
    if kind == AccountKind.POINTS:
        program = points_settings(reward.organization)
        expires_on = lot_expiry(program, local_date(reward.organization, now))
    return post(
        account,
        reward.amount,
        kind=EntryKind.EARN,
        actor=actor,
        reference=Reference(ReferenceType.REFERRAL, str(reward.lead_id)),
        reason=str(REASONS[reward.kind]),
        idempotency_key=f"referral-reward:{reward.pk}",
        expires_on=expires_on,
        now=now,
    )


def _decide_reward(reward: Reward, *, actor: Staff, status: str, now, post_reward: bool, **audit):
    """Lock a proposed reward, set its decision (posting an approved rebate, gift credit
    or points to the ledger), and audit it. Only the store's manager or the admin decides."""
    if actor.organization_id != reward.organization_id or not may_approve(
        actor, reward.lead.store_id
    ):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        reward = Reward.objects.select_for_update().select_related("lead").get(pk=reward.pk)
        if reward.status != RewardStatus.PROPOSED:
            raise ReferralError(_("This reward has been decided already."))
        if post_reward and reward.kind in POSTED_TO:
            reward.entry = _post(reward, actor=actor, now=now)
        reward.status = status
        reward.decided_by = actor
        reward.decided_at = now
        reward.save()
        action = "referral.approve" if status == RewardStatus.APPROVED else "referral.reject"
        record_event(
            reward.organization,
            actor=actor,
            action=action,
            target=reward.customer,
            reward=reward.pk,
            **audit,
        )
    return reward


def approve_reward(reward: Reward, *, actor: Staff, now=None) -> Reward:
    """A store manager (or the admin) approves: a rebate is posted to the customer's
    credit balance (美丽金), points to her points, a gift is to be handed over.
    Approving twice posts once."""
    return _decide_reward(
        reward,
        actor=actor,
        status=RewardStatus.APPROVED,
        now=now,
        post_reward=True,
        amount=str(reward.amount),
    )


def reject_reward(reward: Reward, *, actor: Staff, reason: str, now=None) -> Reward:
    """A store manager (or the admin) turns a proposed reward down, with a reason."""
    if not reason.strip():
        raise ReferralError(_("Give the reason for the rejection."), "reason")
    return _decide_reward(
        reward,
        actor=actor,
        status=RewardStatus.REJECTED,
        now=now,
        post_reward=False,
        reason=reason.strip()[:200],
    )
