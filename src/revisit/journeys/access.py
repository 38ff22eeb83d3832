"""Who may see which store tasks: those of the customers the staff member may see."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from revisit.core.access import visible_customers
from revisit.core.models import Role
from revisit.journeys.models import StoreTask

# The store's people: they hand over the gifts, mail the cards, answer the problems.
STORE_TASK_ROLES = {Role.ADMIN, Role.STORE_MANAGER, Role.CONSULTANT, Role.FRONT_DESK}


def visible_store_tasks(staff) -> QuerySet[StoreTask]:
    """The store tasks of the customers `staff` may see, in their organization."""
    customers = visible_customers(staff).filter(pk=OuterRef("customer_id"))
    return StoreTask.objects.filter(organization_id=staff.organization_id).filter(Exists(customers))


def get_store_task_or_404(staff, **lookup) -> StoreTask:
    found = visible_store_tasks(staff).filter(**lookup).select_related("customer").first()
    if found is None:
        raise Http404
    return found
