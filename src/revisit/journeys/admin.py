from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.journeys.models import Journey, StoreTask


@admin.register(Journey)
class JourneyAdmin(OrganizationScopedAdmin):
    list_display = ["name", "trigger", "holiday", "days", "is_active"]
    list_filter = ["trigger", "is_active"]


@admin.register(StoreTask)
class StoreTaskAdmin(OrganizationScopedAdmin):
    list_display = ["due_on", "customer", "title", "status"]
    list_filter = ["status"]
    raw_id_fields = ["customer", "followup", "done_by"]
