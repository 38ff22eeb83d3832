from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.journeys.models import Journey, JourneyAction, JourneyFiring, StoreTask


@admin.register(Journey)
class JourneyAdmin(OrganizationScopedAdmin):
    list_display = ["name", "trigger", "holiday", "days", "is_active"]
    list_filter = ["trigger", "is_active"]


@admin.register(StoreTask)
class StoreTaskAdmin(OrganizationScopedAdmin):
    list_display = ["due_on", "customer", "title", "status"]
    list_filter = ["status"]
    raw_id_fields = ["customer", "followup", "done_by"]


@admin.register(JourneyAction)
class JourneyActionAdmin(OrganizationScopedAdmin):
    organization_path = "journey__organization"
    list_display = ["journey", "tier", "membership", "kind", "template", "task"]


@admin.register(JourneyFiring)
class JourneyFiringAdmin(OrganizationScopedAdmin):
    list_display = ["journey", "customer", "occurs_on", "fired_on"]
    raw_id_fields = ["customer"]
    # Written by the tick only: a firing is the record that it happened.
    readonly_fields = ["organization", "journey", "customer", "occurs_on", "fired_on"]
