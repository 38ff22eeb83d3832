from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.outreach.models import CallTask


@admin.register(CallTask)
class CallTaskAdmin(OrganizationScopedAdmin):
    list_display = ["due_date", "customer", "assignee", "status"]
    list_filter = ["status", "due_date"]
    raw_id_fields = ["customer", "assignee"]
