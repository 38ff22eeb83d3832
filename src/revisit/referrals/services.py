"""The referral channel's business actions: register a lead, record her arrival (which
decides the attribution once), correct it (admin, audited), propose the first-order
rewards and approve or reject them (an approved rebate is posted to the credit ledger)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Organization, Role, Staff, Store
from revisit.core.money import round_money
from revisit.customers.cards import CardError, find_duplicate, register_referred_card
from revisit.customers.models import Channel, Customer
from revisit.customers.phones import normalize_phone
from revisit.outreach.cadences import cadence_dates
from revisit.outreach.models import Cadence, ScheduledContact
from revisit.referrals.attribution import ArrivalFacts, decide
from revisit.referrals.models import (
    Attribution,
    Intention,
    Lead,
    ReferralSettings,
    Reward,
    RewardKind,
    RewardSide,
    RewardStatus,
)
from revisit.sales.models import Order, OrderLine
from revisit.wallet.ledger import Reference, open_account, post
from revisit.wallet.models import AccountKind, EntryKind, ReferenceType

# Every customer-facing role may register a referred person (建档).
REGISTER_ROLES = [
    Role.ADMIN,
    Role.STORE_MANAGER,
    Role.CONSULTANT,
    Role.CALLER,
    Role.FRONT_DESK,
    Role.PRACTITIONER,
]
ARRIVAL_ROLES = [Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK, Role.CONSULTANT]
APPROVE_ROLES = [Role.ADMIN, Role.STORE_MANAGER]
TEXT_LIMITS = {"name": 100, "wechat_id": 64, "items": 200, "spending_power": 100}
CONTROL = {chr(c) for c in range(32)} - {"\n", "\t"}


class ReferralError(ValueError):
    """A referral action refused; `message` is for the user, `field` the form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def referral_settings(organization: Organization) -> ReferralSettings:
    settings, _created = ReferralSettings.objects.get_or_create(organization=organization)
    return settings


def may_register(staff: Staff) -> bool:
    return staff.is_active and staff.has_role(*REGISTER_ROLES)


def may_approve(staff: Staff, store_id: int) -> bool:
    if staff.has_role(Role.ADMIN):
        return True
    return any(
        a.role == Role.STORE_MANAGER and a.store_id == store_id
        for a in staff.role_assignments.all()
    )


def lead_stores(staff: Staff, referrer: Customer):
    """The stores a lead registered by `staff` may belong to: any of the organization's
    for its admin, else her own stores and the referrer's home store."""
    stores = Store.objects.filter(organization_id=staff.organization_id)
    if staff.has_role(Role.ADMIN):
        return stores
    own = {a.store_id for a in staff.role_assignments.all() if a.store_id}
    return stores.filter(pk__in=own | {referrer.home_store_id})


def register_lead(
    referrer: Customer,
    *,
    actor: Staff,
    store: Store,
    name: str,
    mobile: str = "",
    wechat_id: str = "",
    items: str = "",
    spending_power: str = "",
    expected_arrival: date | None = None,
    intention: int = Intention.LEVEL_3,
    via_channel: str = "",
    now=None,
) -> Lead:
    """Register a person `referrer` recommended (建档). Needs her name and a mobile number
    or WeChat ID unless she is a level-3 lead (only the referrer's word so far)."""
    if referrer.organization_id != actor.organization_id or not may_register(actor):
        raise PermissionDenied
    if store.organization_id != actor.organization_id:
        raise PermissionDenied
    if not lead_stores(actor, referrer).filter(pk=store.pk).exists():
        raise ReferralError(_("Choose one of your stores."), "store")
    now = now or timezone.now()
    values = {
        "name": name,
        "wechat_id": wechat_id,
        "items": items,
        "spending_power": spending_power,
    }
    clean = {}
    for field, value in values.items():
        value = (value or "").strip()
        if len(value) > TEXT_LIMITS[field]:
            raise ReferralError(_("At most %(n)d characters.") % {"n": TEXT_LIMITS[field]}, field)
        if any(c in CONTROL for c in value):
            raise ReferralError(_("Remove the control characters from the text."), field)
        clean[field] = value
    if not clean["name"]:
        raise ReferralError(_("Enter the new person's name."), "name")
    phone = ""
    if (mobile or "").strip():
        try:
            phone = normalize_phone(mobile)
        except ValueError:
            raise ReferralError(_("Not a valid phone number."), "mobile") from None
    if intention not in Intention.values:
        raise ReferralError(_("Choose one of the listed values."), "intention")
    if intention != Intention.LEVEL_3 and not (phone or clean["wechat_id"]):
        raise ReferralError(_("A level 1 or 2 lead needs a mobile number or WeChat ID."), "mobile")
    if via_channel and via_channel not in Channel.values:
        raise ReferralError(_("Choose one of the listed values."), "via_channel")
    if phone and phone == referrer.mobile:
        raise ReferralError(_("The referrer cannot refer herself."), "mobile")
    today = local_date(referrer.organization, now)
    if expected_arrival is not None and not (
        today <= expected_arrival <= date(today.year + 2, 12, 31)
    ):
        raise ReferralError(_("Enter a date from today on."), "expected_arrival")
    with transaction.atomic():
        card, made_card = _card_for(
            referrer, actor=actor, store=store, phone=phone, clean=clean, now=now
        )
        lead = Lead.objects.create(
            organization_id=referrer.organization_id,
            store=store,
            referrer=referrer,
            mobile=phone,
            expected_arrival=expected_arrival,
            intention=intention,
            via_channel=via_channel,
            registered_by=actor,
            registered_at=now,
            customer=card,
            made_card=made_card,
            **clean,
        )
        if made_card:
            _schedule_follow_ups(card, intention, today)
        record_event(
            referrer.organization,
            actor=actor,
            action="referral.register",
            target=referrer,
            lead=lead.pk,
            intention=intention,
        )
    return lead


def _card_for(referrer, *, actor, store, phone, clean, now) -> tuple[Customer | None, bool]:
    """Her card and whether this registration made it. A card another channel made
    first stays that channel's (first registration wins); a person already registered
    as someone's referral cannot be registered again."""
    if not phone:
        return None, False
    existing = find_duplicate(referrer.organization_id, phone)
    if existing is not None:
        if Lead.objects.filter(customer=existing).exists():
            raise ReferralError(
                _("She is registered already: the first registration counts."), "mobile"
            )
        return existing, False
    try:
        card = register_referred_card(
            referrer.organization,
            actor=actor,
            name=clean["name"],
            mobile=phone,
            wechat_id=clean["wechat_id"],
            referrer=referrer,
            home_store=store,
            now=now,
        )
    except CardError as error:
        raise ReferralError(error.message, "mobile") from None
    return card, True


def _schedule_follow_ups(card: Customer, intention: int, today: date) -> None:
    """The lead's calls by her intention level (一级: the day, day 7, day 20; 二级: from
    the next month on the 10th and 20th; 三级: monthly from the third month), through the
    organization's intent cadences and call lists."""
    cadence = Cadence.objects.filter(
        organization_id=card.organization_id, key=f"intent_{intention}"
    ).first()
    if cadence is None:
        return
    due = next(iter(cadence_dates(cadence, today)), None)
    if due is not None:
        ScheduledContact.objects.create(
            organization_id=card.organization_id,
            customer=card,
            due_on=due,
            reason=f"intent_{intention}",
            cadence=cadence,
            anchor_on=today,
        )


def _prior_card(lead: Lead, customer: Customer | None) -> tuple[str, bool]:
    """The channel of a card another channel made before the lead was registered, and
    whether that person had ever arrived (a first visit or an order)."""
    if customer is None or lead.made_card or customer.created_at >= lead.registered_at:
        return "", False
    arrived = customer.first_visit is not None or customer.orders.exists()
    return customer.channel, arrived


def record_arrival(
    lead: Lead,
    *,
    actor: Staff,
    facts: ArrivalFacts,
    now=None,
) -> Lead:
    """She arrived: decide the attribution once (see `revisit.referrals.attribution`).
    A card this registration made takes the attribution as its channel and today as its
    first visit; a card another channel made keeps its channel. Without a card yet (a
    lead registered without a number), her card is made now."""
    if actor.organization_id != lead.organization_id or not actor.has_role(*ARRIVAL_ROLES):
        raise PermissionDenied
    now = now or timezone.now()
    organization = lead.organization
    today = local_date(organization, now)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.decided:
            raise ReferralError(_("Her attribution is decided and cannot change."))
        customer = lead.customer or find_duplicate(lead.organization_id, lead.mobile)
        if customer is not None and customer.pk == lead.referrer_id:
            raise ReferralError(_("The referrer cannot refer herself."))
        if (
            customer is not None
            and Lead.objects.filter(customer=customer).exclude(pk=lead.pk).exists()
        ):
            raise ReferralError(_("This customer has already arrived as a referral."))
        prior_channel, prior_arrived = _prior_card(lead, customer)
        decision = decide(
            facts,
            registered_on=local_date(organization, lead.registered_at),
            arrived_on=today,
            cutoff_days=referral_settings(organization).registration_cutoff_days,
            via_channel=lead.via_channel,
            prior_channel=prior_channel,
            prior_arrived=prior_arrived,
        )
        channel = (
            decision.attribution if decision.attribution in Channel.values else Channel.REFERRAL
        )
        if customer is None:
            if not lead.mobile:
                raise ReferralError(_("Enter her mobile number first."), "mobile")
            try:
                customer = register_referred_card(
                    organization,
                    actor=actor,
                    name=lead.name,
                    mobile=lead.mobile,
                    wechat_id=lead.wechat_id,
                    referrer=lead.referrer,
                    home_store=lead.store,
                    now=now,
                )
            except CardError as error:
                raise ReferralError(error.message, "mobile") from None
            lead.made_card = True
        if lead.made_card:
            # Her card was made for this referral: it records how she came, decided now.
            Customer.objects.filter(pk=customer.pk).update(
                channel=channel, first_visit=Coalesce(F("first_visit"), Value(today))
            )
            customer.refresh_from_db(fields=["channel", "first_visit"])
        lead.customer = customer
        lead.arrived_at = now
        lead.attribution = decision.attribution
        lead.level = decision.level
        lead.rule = decision.rule
        lead.facts = {**facts.as_dict(), "prior_channel": prior_channel}
        lead.decided_by = actor
        lead.save()
        record_event(
            organization,
            actor=actor,
            action="referral.attribute",
            target=customer,
            lead=lead.pk,
            attribution=decision.attribution,
            rule=decision.rule,
        )
    return lead


def correct_attribution(lead: Lead, *, actor: Staff, attribution: str, reason: str) -> Lead:
    """An administrator's correction of a decided attribution, with a reason (audited
    with before and after). Nothing else may change it."""
    if actor.organization_id != lead.organization_id or not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if not lead.decided:
        raise ReferralError(_("She has not arrived yet."))
    allowed = set(Attribution.values) | set(Channel.values)
    if attribution not in allowed:
        raise ReferralError(_("Choose one of the listed values."), "attribution")
    if not reason.strip():
        raise ReferralError(_("Give the reason for the correction."), "reason")
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        before = lead.attribution
        lead.attribution = attribution
        lead.save(update_fields=["attribution"])
        record_event(
            lead.organization,
            actor=actor,
            action="referral.correct",
            target=lead.customer,
            lead=lead.pk,
            before=before,
            after=attribution,
            reason=reason.strip()[:200],
        )
    return lead


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
    (a share of the first spend) and the referrer's gift when the spend reaches the
    threshold. Nothing when she has no paid order yet or rewards exist already."""
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


def _decide_reward(reward: Reward, *, actor: Staff, status: str, now, post_rebate: bool, **audit):
    """Lock a proposed reward, set its decision (posting an approved rebate to the
    customer's credit), and audit it. Only the store's manager or the admin decides."""
    if actor.organization_id != reward.organization_id or not may_approve(
        actor, reward.lead.store_id
    ):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        reward = Reward.objects.select_for_update().select_related("lead").get(pk=reward.pk)
        if reward.status != RewardStatus.PROPOSED:
            raise ReferralError(_("This reward has been decided already."))
        if post_rebate and reward.kind == RewardKind.REBATE:
            account = open_account(reward.customer, AccountKind.CREDIT, actor=actor, now=now)
            reward.entry = post(
                account,
                reward.amount,
                kind=EntryKind.EARN,
                actor=actor,
                reference=Reference(ReferenceType.REFERRAL, str(reward.lead_id)),
                reason=str(_("Referral rebate")),
                idempotency_key=f"referral-reward:{reward.pk}",
                now=now,
            )
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
    credit balance (美丽金), a gift is to be handed over. Approving twice posts once."""
    return _decide_reward(
        reward,
        actor=actor,
        status=RewardStatus.APPROVED,
        now=now,
        post_rebate=True,
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
        post_rebate=False,
        reason=reason.strip()[:200],
    )
