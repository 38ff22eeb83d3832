"""What the practitioner must know before treating a customer.

The customer card (psychology type, allergies, risk flags and the warnings they raise)
belongs to revisit.customers; this is the ONE place the desk reads it, so that the desk
works whether or not that module is installed: without it, no warnings and no card
facts beyond the fields every customer has.
"""

from django.utils.translation import gettext as _

from revisit.customers.models import Customer, RiskFlag

try:  # provided by the customer card; absent on branches that do not have it yet
    from revisit.customers.flags import pretreatment_warnings as _card_warnings
except ImportError:  # pragma: no cover - depends on what is installed
    _card_warnings = None


def pretreatment_warnings(customer: Customer) -> list[str]:
    """Sentences to show before a treatment (empty when there is nothing to say)."""
    if _card_warnings is None:
        return []
    return [str(w) for w in _card_warnings(customer)]


def card_facts(customer: Customer) -> list[tuple[str, str]]:
    """(label, value) pairs of the card the practitioner reads: psychology type,
    allergies, medical history and risk flags, where the card has them."""
    facts = []
    psychology = getattr(customer, "get_psychology_type_display", None)
    if psychology is not None and getattr(customer, "psychology_type", ""):
        facts.append((_("Psychology type"), str(psychology())))
    for field, label in (("allergies", _("Allergies")), ("medical_history", _("Medical history"))):
        value = getattr(customer, field, "")
        if value:
            facts.append((label, str(value)))
    labels = dict(RiskFlag.choices)
    flags = [str(labels.get(f, f)) for f in customer.risk_flags or []]
    if flags:
        facts.append((_("Risk flags"), "、".join(flags)))
    return facts
