"""Registering a referred person (建档): the lead, her card when she has a number, and
her first follow-up by her intention level."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Role, Staff, Store
from revisit.customers.cards import CardError, find_duplicate, register_referred_card
from revisit.customers.models import Channel, Customer
from revisit.customers.phones import normalize_phone
from revisit.outreach.cadences import cadence_dates
from revisit.outreach.models import Cadence, ScheduledContact
from revisit.referrals.models import Intention, Lead
from revisit.referrals.policy import CONTROL, TEXT_LIMITS, ReferralError, may_register


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
    follow_up: bool = True,
    now=None,
) -> Lead:
    """Register a person `referrer` recommended (建档). Needs her name and a mobile number
    or WeChat ID unless she is a level-3 lead (only the referrer's word so far).
    `follow_up=False`: no call is scheduled (an imported lead who has arrived already)."""
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
        if made_card and follow_up:
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
