"""Who works the till (收银台): the store manager and the front desk of a store, and the
organization's admin everywhere. The customers a cashier serves are those she may see
anyway (`visible_customers`); cards are found among the wallet accounts she may see.
Missing and forbidden look the same (Http404)."""

from django.db.models import QuerySet
from django.http import Http404

from revisit.appointments.access import desk_stores
from revisit.core.access import visible_customers, visible_wallet_accounts
from revisit.core.models import Role, Staff, Store
from revisit.customers.models import Customer
from revisit.wallet.models import Account, Entry

CASHIER_ROLES = {Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK}


def cashier_stores(staff: Staff) -> QuerySet[Store]:
    """The stores whose till `staff` works."""
    return desk_stores(staff, roles=CASHIER_ROLES)


def may_work_the_till(staff: Staff) -> bool:
    return staff.is_authenticated and staff.has_role(*CASHIER_ROLES)


def cashier_customers(staff: Staff) -> QuerySet[Customer]:
    """The customers `staff` may top up, charge and refund."""
    if not may_work_the_till(staff):
        return Customer.objects.none()
    return visible_customers(staff)


def get_cashier_customer_or_404(staff: Staff, **lookup) -> Customer:
    try:
        return cashier_customers(staff).get(**lookup)
    except (Customer.DoesNotExist, Customer.MultipleObjectsReturned, ValueError):
        raise Http404 from None


def get_cashier_account_or_404(staff: Staff, **lookup) -> Account:
    if not may_work_the_till(staff):
        raise Http404
    try:
        return visible_wallet_accounts(staff).get(**lookup)
    except (Account.DoesNotExist, Account.MultipleObjectsReturned, ValueError):
        raise Http404 from None


def visible_entries(staff: Staff) -> QuerySet[Entry]:
    """The ledger entries of the accounts `staff` may see."""
    return Entry.objects.filter(
        account__in=visible_wallet_accounts(staff), organization_id=staff.organization_id
    )


def get_cashier_entry_or_404(staff: Staff, **lookup) -> Entry:
    if not may_work_the_till(staff):
        raise Http404
    try:
        return visible_entries(staff).select_related("account").get(**lookup)
    except (Entry.DoesNotExist, Entry.MultipleObjectsReturned, ValueError):
        raise Http404 from None
