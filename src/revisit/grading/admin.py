from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.grading.models import Grade, GradingSettings, Inventory, TierChange


@admin.register(GradingSettings)
class GradingSettingsAdmin(OrganizationScopedAdmin):
    list_display = [
        "organization",
        "tier_basis",
        "thresholds",
        "window_months",
        "a_min_spend",
        "b_min_spend",
        "svip_min_spend",
        "downgrade_after_days",
    ]


@admin.register(Inventory)
class InventoryAdmin(OrganizationScopedAdmin):
    list_display = ["id", "as_of", "customer_count", "graded_count", "run_by", "created_at"]
    date_hierarchy = "as_of"
    readonly_fields = [f.name for f in Inventory._meta.fields]

    def has_add_permission(self, request):
        return False  # inventories are run, not typed in


@admin.register(Grade)
class GradeAdmin(OrganizationScopedAdmin):
    organization_path = "inventory__organization"
    list_display = [
        "inventory",
        "customer",
        "segment",
        "tier",
        "recency_days",
        "frequency",
        "monetary",
    ]
    list_filter = ["segment", "tier"]
    raw_id_fields = ["inventory", "customer"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TierChange)
class TierChangeAdmin(OrganizationScopedAdmin):
    list_display = [
        "customer",
        "kind",
        "from_tier",
        "to_tier",
        "status",
        "effective_on",
        "decided_by",
    ]
    list_filter = ["kind", "status", "to_tier"]
    raw_id_fields = ["customer", "inventory"]
    readonly_fields = [f.name for f in TierChange._meta.fields]

    def has_add_permission(self, request):
        return False  # proposals come from inventories; decisions go through the service
