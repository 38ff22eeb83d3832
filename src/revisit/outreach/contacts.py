"""Contacts beyond calls. The contact cap and the cool-off count every contact with a
customer: the follow-ups recorded here, and what other apps register as contacts (the
messaging app registers the marketing messages it sent, see revisit.messaging.apps), so
that a customer messaged today is not also put on today's call list past the cap.

Outreach does not import those apps: they register a ContactSource when they load."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, Model, OuterRef, Q, QuerySet


@dataclass(frozen=True)
class ContactSource:
    """Rows of `model` that are contacts: `rows` selects them; `moment` is the field of
    when, `customer` the customer's foreign key, `actor` the staff member behind it."""

    model: type[Model]
    kind: str
    moment: str
    rows: Q
    customer: str = "customer"
    actor: str = "created_by"


SOURCES: dict[str, ContactSource] = {}


def register_contact_source(source: ContactSource) -> None:
    SOURCES[source.kind] = source


def _rows(source: ContactSource, since: datetime | None = None, until: datetime | None = None):
    rows = source.model._default_manager.filter(source.rows)
    if since is not None:
        rows = rows.filter(**{f"{source.moment}__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{source.moment}__lt": until})
    return rows


def contacted_since(since: datetime) -> Q:
    """A filter of customers with a registered (non-call) contact at or after `since`."""
    found = Q(pk__in=[])
    for source in SOURCES.values():
        rows = _rows(source, since).filter(**{source.customer: OuterRef("pk")})
        found |= Q(Exists(rows))
    return found


def contact_moments(customer_ids) -> list[tuple[int, datetime]]:
    """(customer id, when) of every registered contact with these customers."""
    moments = []
    for source in SOURCES.values():
        moments += list(
            _rows(source)
            .filter(**{f"{source.customer}_id__in": customer_ids})
            .values_list(f"{source.customer}_id", source.moment)
        )
    return moments


def contacts_by_actor(organization, start: datetime, end: datetime) -> dict[tuple, int]:
    """{(actor id, kind): n} of the registered contacts made between `start` and `end`."""
    counts: dict[tuple, int] = {}
    for kind, source in SOURCES.items():
        rows = _rows(source, start, end).filter(
            **{f"{source.customer}__organization": organization}
        )
        for actor_id in rows.values_list(f"{source.actor}_id", flat=True).iterator():
            counts[(actor_id, kind)] = counts.get((actor_id, kind), 0) + 1
    return counts


def with_contacts(customers: QuerySet, since: datetime) -> QuerySet:
    return customers.filter(contacted_since(since))
