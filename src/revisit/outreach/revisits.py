"""Post-treatment revisits: a cadence per item category schedules the contacts."""

from datetime import date, timedelta

from django.db import transaction

from revisit.core.models import Organization
from revisit.outreach.models import Cadence, ScheduledContact
from revisit.sales.models import OrderLine

PREFIX = "revisit:"


def schedule_treatment_revisits(organization: Organization, *, day: date) -> int:
    """For every paid line of an item category that has a `revisit:CATEGORY` cadence, and
    whose contacts are not all past by `day`, schedule the cadence's contacts counted from
    the order date. Running it again schedules nothing twice. Returns how many were added."""
    cadences = {
        c.key.removeprefix(PREFIX): c
        for c in Cadence.objects.filter(
            organization=organization, key__startswith=PREFIX, kind=Cadence.Kind.OFFSETS
        )
        if c.days
    }
    if not cadences:
        return 0
    longest = max(max(c.days) for c in cadences.values())
    treated = set(
        OrderLine.objects.filter(
            organization=organization,
            amount__gt=0,
            item__category__in=list(cadences),
            order_date__gt=day - timedelta(days=longest),
            order_date__lte=day,
        ).values_list("customer_id", "item__category", "order_date")
    )
    existing = set(
        ScheduledContact.objects.filter(
            organization=organization,
            reason__startswith=PREFIX,
            anchor_on__gt=day - timedelta(days=longest),
        ).values_list("customer_id", "reason", "anchor_on", "step")
    )
    new = []
    for customer_id, category, treated_on in treated:
        cadence = cadences[category]
        for step, offset in enumerate(sorted(cadence.days)):
            due = treated_on + timedelta(days=offset)
            key = (customer_id, cadence.key, treated_on, step)
            if due < day or key in existing:
                continue
            new.append(
                ScheduledContact(
                    organization=organization,
                    customer_id=customer_id,
                    due_on=due,
                    reason=cadence.key,
                    cadence=cadence,
                    anchor_on=treated_on,
                    step=step,
                )
            )
    with transaction.atomic():
        ScheduledContact.objects.bulk_create(new)
    return len(new)


def schedule_item_revisits(customer, *, category: str, treated_on: date) -> int:
    """Schedule the `revisit:CATEGORY` cadence's contacts for one treatment (a
    practitioner's post-treatment note), with the same keys as the nightly run so that
    neither schedules a contact twice. Returns how many were added (0 without a cadence)."""
    cadence = Cadence.objects.filter(
        organization_id=customer.organization_id,
        key=f"{PREFIX}{category}",
        kind=Cadence.Kind.OFFSETS,
    ).first()
    if cadence is None or not cadence.days:
        return 0
    existing = set(
        ScheduledContact.objects.filter(
            customer=customer, reason=cadence.key, anchor_on=treated_on
        ).values_list("step", flat=True)
    )
    new = [
        ScheduledContact(
            organization_id=customer.organization_id,
            customer=customer,
            due_on=treated_on + timedelta(days=offset),
            reason=cadence.key,
            cadence=cadence,
            anchor_on=treated_on,
            step=step,
        )
        for step, offset in enumerate(sorted(cadence.days))
        if step not in existing
    ]
    ScheduledContact.objects.bulk_create(new)
    return len(new)
