"""Retail membership (seed 003): a temporary card that only collects points; a formal
card once the accumulated points reach the threshold, ready at the store on day 5 (a
contact for the store: tell her, hand it over, or mail it to her address)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Organization, Staff
from revisit.customers.models import Customer
from revisit.wallet.ledger import WalletError
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind
from revisit.wallet.points_models import (
    CardHandover,
    MembershipCard,
    MembershipChange,
    MembershipStatus,
    PointsSettings,
)

# The scheduled contact the store works on the day the formal card is ready.
CARD_READY_REASON = "membership_card"
# Movements that count towards "accumulated points" (累计积分): what was earned, less
# what refunds took back; spending, cash-back and expiry do not lower it.
ACCUMULATING = (EntryKind.EARN, EntryKind.REFUND, EntryKind.IMPORT, EntryKind.ADJUST)

# Seed 003's words for the store, shown with the card-ready contact.
SCRIPTS = {
    "formal": gettext_lazy(
        "Congratulations: your points have reached %(threshold)s and you are now our "
        "formal member. We are having your card made; you can collect it at the store "
        "in %(days)s days."
    ),
    "ready_call": gettext_lazy(
        "Hello, this is %(store)s. Your formal member card is ready: you can collect it "
        "at the store. About what time would suit you?"
    ),
    "mail": gettext_lazy(
        "If you are too busy to come, we can mail it to your home or office: let me read "
        "the address to you to check it."
    ),
    "handover": gettext_lazy(
        "Here is your member card; please read the leaflet on how to use it and on your "
        "points. Your cash-back can be used on your purchase today."
    ),
}

ALLOWED_MOVES = {
    MembershipStatus.TEMPORARY: {MembershipStatus.CANCELLED, MembershipStatus.SUSPENDED},
    MembershipStatus.FORMAL: {MembershipStatus.SUSPENDED, MembershipStatus.CANCELLED},
    MembershipStatus.SUSPENDED: {
        MembershipStatus.FORMAL,
        MembershipStatus.TEMPORARY,
        MembershipStatus.CANCELLED,
    },
    MembershipStatus.CANCELLED: set(),
}


def card_number(settings: PointsSettings, customer_id: int) -> str:
    return f"{settings.card_prefix}{customer_id:08d}"


def accumulated_points(customer_ids) -> dict[int, int]:
    """customer id → points accumulated (earned net of refunds, opening balances and
    adjustments)."""
    rows = (
        Entry.objects.filter(
            account__kind=AccountKind.POINTS,
            account__customer_id__in=list(customer_ids),
            kind__in=ACCUMULATING,
        )
        .values("account__customer_id")
        .annotate(total=Sum("amount"))
    )
    return {r["account__customer_id"]: int(r["total"] or 0) for r in rows}


def issue_and_promote(
    organization: Organization, account_ids, *, actor: Staff | None = None, now=None
) -> int:
    """For the customers of these points accounts: a temporary card for those without
    a card, and a formal card for temporary members whose accumulated points reached
    the threshold. Returns how many became formal members."""
    from revisit.wallet.points import points_settings

    now = now or timezone.now()
    settings = points_settings(organization)
    customers = list(
        Account.objects.filter(pk__in=list(account_ids), organization=organization).values_list(
            "customer_id", "customer__home_store_id"
        )
    )
    if not customers:
        return 0
    with transaction.atomic():
        have = set(
            MembershipCard.objects.filter(customer_id__in=[c for c, _s in customers]).values_list(
                "customer_id", flat=True
            )
        )
        new = [
            MembershipCard(
                organization=organization,
                customer_id=customer_id,
                card_number=card_number(settings, customer_id),
                store_id=store_id,
                issued_at=now,
            )
            for customer_id, store_id in customers
            if customer_id not in have
        ]
        MembershipCard.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        if new:
            issued = MembershipCard.objects.filter(
                customer_id__in=[c.customer_id for c in new], issued_at=now
            ).values_list("pk", flat=True)
            MembershipChange.objects.bulk_create(
                [
                    MembershipChange(
                        organization=organization,
                        card_id=pk,
                        to_status=MembershipStatus.TEMPORARY,
                        actor=actor,
                        changed_at=now,
                    )
                    for pk in issued
                ],
                batch_size=2000,
            )
        return _promote(organization, settings, [c for c, _s in customers], actor, now)


def _promote(organization, settings, customer_ids, actor, now) -> int:
    from revisit.outreach.models import ScheduledContact

    temporary = dict(
        MembershipCard.objects.filter(
            customer_id__in=customer_ids, status=MembershipStatus.TEMPORARY
        ).values_list("customer_id", "pk")
    )
    if not temporary:
        return 0
    totals = accumulated_points(temporary)
    reached = [c for c, total in totals.items() if total >= settings.membership_threshold]
    if not reached:
        return 0
    today = local_date(organization, now)
    ready = today + timedelta(days=settings.card_ready_days)
    cards = [temporary[c] for c in reached]
    MembershipCard.objects.filter(pk__in=cards).update(
        status=MembershipStatus.FORMAL, formal_on=today, card_ready_on=ready
    )
    MembershipChange.objects.bulk_create(
        [
            MembershipChange(
                organization=organization,
                card_id=pk,
                from_status=MembershipStatus.TEMPORARY,
                to_status=MembershipStatus.FORMAL,
                reason=_("Accumulated points reached %(threshold)s")
                % {"threshold": settings.membership_threshold},
                actor=actor,
                changed_at=now,
            )
            for pk in cards
        ],
        batch_size=2000,
    )
    ScheduledContact.objects.bulk_create(
        [
            ScheduledContact(
                organization=organization,
                customer_id=customer_id,
                due_on=ready,
                reason=CARD_READY_REASON,
                anchor_on=today,
            )
            for customer_id in reached
        ],
        batch_size=2000,
    )
    record_event(
        organization,
        actor=actor,
        action="membership.formal",
        members=len(reached),
        threshold=settings.membership_threshold,
        card_ready_on=ready.isoformat(),
    )
    return len(reached)


def issue_temporary_card(customer: Customer, *, actor: Staff | None, now=None) -> MembershipCard:
    """The customer's card (a temporary one is issued if she has none)."""
    from revisit.wallet.points import points_settings

    now = now or timezone.now()
    settings = points_settings(customer.organization)
    with transaction.atomic():
        card, created = MembershipCard.objects.get_or_create(
            customer=customer,
            defaults={
                "organization_id": customer.organization_id,
                "card_number": card_number(settings, customer.pk),
                "store_id": customer.home_store_id,
                "issued_at": now,
            },
        )
        if created:
            MembershipChange.objects.create(
                organization_id=customer.organization_id,
                card=card,
                to_status=MembershipStatus.TEMPORARY,
                actor=actor,
                changed_at=now,
            )
            record_event(
                customer.organization,
                actor=actor,
                action="membership.issue",
                target=customer,
                card_number=card.card_number,
            )
        account = Account.objects.filter(customer=customer, kind=AccountKind.POINTS).first()
        if account is not None:
            _promote(customer.organization, settings, [customer.pk], actor, now)
    card.refresh_from_db()
    return card


def set_membership_status(
    card: MembershipCard, status: str, *, actor: Staff | None, reason: str, now=None
) -> MembershipCard:
    """Suspend, cancel or reinstate a card; each change is kept with its reason."""
    now = now or timezone.now()
    if not reason.strip():
        raise WalletError(_("A status change needs a reason."))
    with transaction.atomic():
        locked = MembershipCard.objects.select_for_update().get(pk=card.pk)
        if status not in ALLOWED_MOVES.get(locked.status, set()):
            raise WalletError(_("This card cannot change to that status."))
        before = locked.status
        locked.status = status
        locked.save(update_fields=["status"])
        MembershipChange.objects.create(
            organization_id=locked.organization_id,
            card=locked,
            from_status=before,
            to_status=status,
            reason=reason.strip()[:200],
            actor=actor,
            changed_at=now,
        )
        record_event(
            locked.organization,
            actor=actor,
            action="membership.status",
            target=locked.customer,
            before=before,
            after=status,
            reason=reason.strip()[:200],
        )
    return locked


def hand_over_card(
    card: MembershipCard, *, how: str, actor: Staff | None, address: str = "", now=None
) -> MembershipCard:
    """Record that the formal card was collected at the store or mailed (to `address`),
    and close the store's card-ready contact."""
    from revisit.outreach.models import ScheduledContact

    now = now or timezone.now()
    if how not in (CardHandover.PICKED_UP, CardHandover.MAILED):
        raise WalletError(_("Choose how the card was handed over."))
    address = address.strip()[:300]
    if how == CardHandover.MAILED and not address:
        raise WalletError(_("A mailed card needs the address."))
    with transaction.atomic():
        locked = MembershipCard.objects.select_for_update().get(pk=card.pk)
        if locked.status != MembershipStatus.FORMAL:
            raise WalletError(_("Only a formal member's card is handed over."))
        if locked.handover:
            raise WalletError(_("This card was handed over already."))
        locked.handover, locked.handed_over_at, locked.mail_address = how, now, address
        locked.save(update_fields=["handover", "handed_over_at", "mail_address"])
        ScheduledContact.objects.filter(
            Q(customer_id=locked.customer_id),
            reason=CARD_READY_REASON,
            status=ScheduledContact.Status.PENDING,
        ).update(status=ScheduledContact.Status.DONE)
        record_event(
            locked.organization,
            actor=actor,
            action="membership.handover",
            target=locked.customer,
            how=how,
        )
    return locked


def membership_summary(customer: Customer) -> dict | None:
    """What the customer page and the API show of her membership and points: card,
    status (code and label), dates, history, balance, accumulated points, what is left
    to the threshold, the cash-back available. None when the program is off and she
    has no card."""
    # Read only (a page view creates no settings row): two queries when the program is off.
    settings = PointsSettings.objects.filter(organization_id=customer.organization_id).first()
    card = MembershipCard.objects.filter(customer=customer).select_related("store").first()
    if card is None and (settings is None or not settings.enabled):
        return None
    settings = settings or PointsSettings(organization_id=customer.organization_id)
    account = Account.objects.filter(customer=customer, kind=AccountKind.POINTS).first()
    accumulated = accumulated_points([customer.pk]).get(customer.pk, 0)
    balance = int(account.balance) if account else 0
    every = settings.cashback_every_points
    times = balance // every if every > 0 else 0
    cash_points, cash_yuan = times * every, times * settings.cashback_amount
    changes = (
        list(card.changes.select_related("actor").order_by("-changed_at", "-pk")) if card else []
    )
    awaiting = bool(card and card.status == MembershipStatus.FORMAL and not card.handover)
    store = card.store.name if card and card.store_id else ""
    return {
        "card": card,
        "card_number": card.card_number if card else "",
        "status": card.status if card else "",
        "status_label": card.get_status_display() if card else _("No card yet"),
        "formal_on": card.formal_on if card else None,
        "card_ready_on": card.card_ready_on if card else None,
        "handover": card.handover if card else "",
        "handover_label": card.get_handover_display() if card else "",
        "awaiting_handover": awaiting,
        "points": balance,
        "accumulated": accumulated,
        "threshold": settings.membership_threshold,
        "to_formal": max(0, settings.membership_threshold - accumulated)
        if not card or card.status == MembershipStatus.TEMPORARY
        else 0,
        "moves": [
            (status, MembershipStatus(status).label)
            for status in sorted(ALLOWED_MOVES.get(card.status, ()))
        ]
        if card
        else [],
        "cashback_points": cash_points,
        "cashback_yuan": cash_yuan,
        "history": [
            {
                "at": change.changed_at,
                "from_label": change.get_from_status_display() if change.from_status else "",
                "to_label": change.get_to_status_display(),
                "from_status": change.from_status,
                "to_status": change.to_status,
                "reason": change.reason,
                "actor": str(change.actor) if change.actor else "",
            }
            for change in changes
        ],
        "scripts": [
            str(SCRIPTS["ready_call"]) % {"store": store or _("our store")},
            str(SCRIPTS["mail"]),
            str(SCRIPTS["handover"]),
        ]
        if awaiting
        else [],
    }
