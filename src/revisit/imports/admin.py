from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(OrganizationScopedAdmin):
    list_display = [
        "started_at",
        "kind",
        "file_name",
        "status",
        "read",
        "imported",
        "updated",
        "rejected",
        "duplicates",
        "actor",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
