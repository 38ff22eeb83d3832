from django.contrib import admin

from revisit.wallet.course_card_models import CourseCardProduct, CourseCardSettings


# Course cards (疗程卡): the catalogue items sold as cards, and the call-list settings.
@admin.register(CourseCardProduct)
class CourseCardProductAdmin(admin.ModelAdmin):
    list_display = ["item", "sessions", "covers_item", "covers_category", "valid_days"]
    list_filter = ["organization"]
    raw_id_fields = ["item", "covers_item"]


@admin.register(CourseCardSettings)
class CourseCardSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "expiry_days", "unused_days"]


# The ledger itself, read only (entries are never changed; a correction is a new entry).
# Integrator: if another branch registers Account and Entry, keep one registration.
from revisit.wallet.models import Account, Entry  # noqa: E402


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "card_number", "balance", "expires_on", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["card_number", "customer__code"]
    raw_id_fields = ["customer", "item", "store"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["account", "kind", "amount", "balance_after", "reference_type", "created_at"]
    list_filter = ["kind", "reference_type"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
