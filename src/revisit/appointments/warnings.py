"""The card facts a practitioner reads before treating a customer (the warnings
themselves come from revisit.customers.flags)."""

from django.utils.translation import gettext as _

from revisit.customers.models import Customer, RiskFlag


def card_facts(customer: Customer) -> list[tuple[str, str]]:
    """(label, value) pairs of the card the practitioner reads: psychology type,
    allergies, medical history and risk flags, where the card has them."""
    facts = []
    if customer.psychology_type is not None:
        facts.append((_("Psychology type"), customer.psychology_type.name))
    for field, label in (("allergies", _("Allergies")), ("medical_history", _("Medical history"))):
        value = getattr(customer, field, "")
        if value:
            facts.append((label, str(value)))
    labels = dict(RiskFlag.choices)
    flags = [str(labels.get(f, f)) for f in customer.risk_flags or []]
    if flags:
        facts.append((_("Risk flags"), "、".join(flags)))
    return facts
