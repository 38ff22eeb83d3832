"""The win-back offer chosen by the satisfaction survey (seed A4 rule): a customer who
finds it too expensive gets the price offer, one unhappy with the service the service
offer, any other reason the other offer. The offers are outreach settings."""

from dataclasses import dataclass

from revisit.outreach.models import DissatisfactionReason, FollowUp, OutreachSettings

FIELD_BY_REASON = {
    DissatisfactionReason.PRICE: "winback_offer_price",
    DissatisfactionReason.SERVICE: "winback_offer_service",
}


@dataclass(frozen=True)
class WinbackOffer:
    reason: str
    reason_label: str
    offer: str


def offer_for_reason(settings: OutreachSettings, reason: str) -> str:
    return getattr(settings, FIELD_BY_REASON.get(reason, "winback_offer_other"))


def winback_offers(customer_ids, settings: OutreachSettings) -> dict[int, WinbackOffer]:
    """For each customer whose latest survey gave a reason for dissatisfaction, the offer
    that reason picks (one query). A later survey without a reason clears it."""
    latest: dict[int, str] = {}
    for customer_id, reason in (
        FollowUp.objects.filter(customer_id__in=list(customer_ids))
        .exclude(satisfaction="")
        .order_by("customer_id", "-contacted_at", "-id")
        .values_list("customer_id", "dissatisfaction_reason")
    ):
        latest.setdefault(customer_id, reason)
    labels = dict(DissatisfactionReason.choices)
    offers = {}
    for customer_id, reason in latest.items():
        if not reason:
            continue
        offer = offer_for_reason(settings, reason)
        if offer:
            offers[customer_id] = WinbackOffer(reason, str(labels[reason]), offer)
    return offers
