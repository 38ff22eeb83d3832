from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.customers.models import Customer, MarketingConsent, Tag


class MarketingConsentInline(admin.TabularInline):
    model = MarketingConsent
    extra = 0


@admin.register(Customer)
class CustomerAdmin(OrganizationScopedAdmin):
    list_display = ["code", "name", "gender", "home_store", "owner", "channel", "first_visit"]
    list_filter = ["home_store", "channel", "gender", "phone_status", "is_blacklisted"]
    search_fields = ["code", "name", "mobile"]
    raw_id_fields = ["owner"]
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
