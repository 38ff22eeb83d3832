"""Who may see which messages: those to the customers the staff member may see."""

from django.db.models import Exists, OuterRef, QuerySet

from revisit.core.access import visible_customers
from revisit.messaging.models import Message


def visible_messages(staff) -> QuerySet[Message]:
    """The outbox rows of the customers `staff` may see, in their organization."""
    customers = visible_customers(staff).filter(pk=OuterRef("customer_id"))
    return Message.objects.filter(organization_id=staff.organization_id).filter(Exists(customers))
