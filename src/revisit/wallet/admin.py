from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.wallet.models import Account, Entry


@admin.register(Account)
class AccountAdmin(OrganizationScopedAdmin):
    list_display = ["customer", "kind", "card_number", "balance", "expires_on", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["customer", "item", "store"]
    # The balance moves only through the ledger's entries.
    readonly_fields = ["balance"]


@admin.register(Entry)
class EntryAdmin(OrganizationScopedAdmin):
    """Read only: entries are never edited; a correction is a new entry."""

    list_display = ["created_at", "account", "kind", "amount", "balance_after", "actor"]
    list_filter = ["kind", "reference_type"]
    raw_id_fields = ["account", "counterpart", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
