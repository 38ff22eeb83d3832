"""A referred person's arrival, which decides her attribution once, and the admin's
audited correction of it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Role, Staff
from revisit.customers.cards import CardError, find_duplicate, register_referred_card
from revisit.customers.models import Channel, Customer
from revisit.referrals.attribution import ArrivalFacts, decide
from revisit.referrals.models import Attribution, Lead
from revisit.referrals.policy import ARRIVAL_ROLES, ReferralError, referral_settings


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
    registered_elsewhere: str = "",
    now=None,
) -> Lead:
    """She arrived: decide the attribution once (see `revisit.referrals.attribution`).
    A card this registration made takes the attribution as its channel and today as its
    first visit; a card another channel made keeps its channel. Without a card yet (a
    lead registered without a number), her card is made now. `registered_elsewhere`: the
    channel that registered her before, as the desk (or an imported history) says, when
    her card does not show it."""
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
        if not prior_channel and registered_elsewhere in Channel.values:
            prior_channel = registered_elsewhere
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
