"""What staff must know about a customer before they meet or treat her: the pre-treatment
warnings (psychology type, risk flags, allergies) and whether she must be met in person
(a customer woken by an activation call, seed 000: 激活唤醒的顾客必须见面)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.customers.models import Customer, RiskFlag

# An activation call that woke her counts this long: after it, she is an ordinary visitor.
MUST_MEET_DAYS = 90
# Outcomes of an activation call that woke her: arrival confirmed, or interested.
WOKEN_OUTCOMES = ("valid_1", "valid_2")
ACTIVATION_SOURCE = "segment"  # CallTask.Source.SEGMENT: the calls the quota is about


def pretreatment_warnings(customer: Customer, *, staff=None, show_health=None) -> list[str]:
    """The warnings a practitioner reads before treating `customer`, in the user's
    language: her psychology type when it needs professional support (and the
    do-not-operate-lightly warning), her risk flags, dispute, allergies and medical history.

    Health details are written out in full for the practitioner's view; pass `staff` (or
    `show_health=False`) to have them replaced by "recorded" for a role that may not read
    them."""
    from revisit.core.access import may_see_health

    warnings = []
    kind = customer.psychology_type
    if kind is not None and kind.operate_with_caution:
        warnings.append(
            _(
                "%(type)s: do not operate lightly; psychological treatment before and "
                "after the procedure."
            )
            % {"type": kind.name}
        )
    elif kind is not None and kind.needs_intervention:
        warnings.append(
            _("%(type)s: needs professional psychological support before and after treatment.")
            % {"type": kind.name}
        )
    labels = dict(RiskFlag.choices)
    for flag in customer.risk_flags or []:
        if flag in labels:
            warnings.append(_("Risk: %(flag)s") % {"flag": labels[flag]})
    if customer.is_dispute:
        warnings.append(_("Dispute on record."))
    if show_health is None:
        show_health = staff is None or may_see_health(staff)
    shown = show_health
    for text, label in (
        (customer.allergies, _("Allergies")),
        (customer.medical_history, _("Medical history")),
    ):
        if text.strip():
            warnings.append(f"{label}: {text.strip() if shown else _('recorded (hidden)')}")
    return warnings


def must_meet(customer: Customer, *, now=None) -> bool:
    """Whether `customer` must be met in person when she comes: an activation call woke
    her (arrival confirmed or interested) in the last MUST_MEET_DAYS days and she has not
    arrived since."""
    now = now or timezone.now()
    woken = (
        customer.followups.filter(
            task__source=ACTIVATION_SOURCE,
            outcome__in=WOKEN_OUTCOMES,
            contacted_at__gte=now - timedelta(days=MUST_MEET_DAYS),
            contacted_at__lte=now,
        )
        .order_by("-contacted_at")
        .values_list("contacted_at", flat=True)
        .first()
    )
    if woken is None:
        return False
    return not customer.appointments.filter(arrived_at__gte=woken).exists()
