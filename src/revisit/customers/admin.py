from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.customers.models import (
    Customer,
    CustomerChange,
    CustomerNote,
    MarketingConsent,
    PsychologyType,
    Tag,
)


class MarketingConsentInline(admin.TabularInline):
    model = MarketingConsent
    extra = 0


@admin.register(Customer)
class CustomerAdmin(OrganizationScopedAdmin):
    list_display = ["code", "name", "gender", "home_store", "owner", "channel", "first_visit"]
    list_filter = ["home_store", "channel", "gender", "phone_status", "is_blacklisted"]
    search_fields = ["code", "name", "mobile"]
    raw_id_fields = ["owner", "referrer", "created_by"]
    filter_horizontal = ["tags"]
    inlines = [MarketingConsentInline]
    show_full_result_count = False


@admin.register(Tag)
class TagAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization"]
    search_fields = ["name"]


@admin.register(MarketingConsent)
class MarketingConsentAdmin(OrganizationScopedAdmin):
    organization_path = "customer__organization"
    list_display = ["customer", "channel", "granted", "recorded_at", "source"]
    list_filter = ["channel", "granted"]
    raw_id_fields = ["customer"]


@admin.register(PsychologyType)
class PsychologyTypeAdmin(OrganizationScopedAdmin):
    list_display = ["name", "needs_intervention", "operate_with_caution", "position", "is_active"]
    list_filter = ["needs_intervention", "is_active"]


class ReadOnlyAdmin(OrganizationScopedAdmin):
    """Written only by the card services: the admin reads them."""

    raw_id_fields = ["customer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CustomerChange)
class CustomerChangeAdmin(ReadOnlyAdmin):
    list_display = ["customer", "field", "kind", "actor", "changed_at"]
    list_filter = ["kind"]


@admin.register(CustomerNote)
class CustomerNoteAdmin(ReadOnlyAdmin):
    list_display = ["customer", "author", "created_at"]
