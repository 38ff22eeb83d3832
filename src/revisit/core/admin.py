from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from revisit.core.models import (
    AuditEvent,
    Department,
    Job,
    Organization,
    Region,
    RoleAssignment,
    Staff,
    Store,
)

admin.site.site_header = _("Revisit administration")
admin.site.site_title = _("Revisit")
admin.site.index_title = _("Administration")


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Non-superusers only see and edit rows of their own organization."""

    organization_path = "organization"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self.organization_path: request.user.organization_id})


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone", "created_at"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk=request.user.organization_id)


@admin.register(Region)
class RegionAdmin(OrganizationScopedAdmin):
    list_display = ["code", "name", "organization"]
    list_filter = ["organization"]


@admin.register(Store)
class StoreAdmin(OrganizationScopedAdmin):
    list_display = ["code", "name", "region", "organization"]
    list_filter = ["organization", "region"]


@admin.register(Department)
class DepartmentAdmin(OrganizationScopedAdmin):
    list_display = ["name", "kind", "organization"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ["username", "display_name", "organization", "department", "is_active"]
    list_filter = ["organization", "department", "role_assignments__role", "is_active"]
    search_fields = ["username", "display_name"]
    inlines = [RoleAssignmentInline]
    fieldsets = UserAdmin.fieldsets + (
        (
            _("Revisit"),
            {"fields": ["organization", "display_name", "department", "daily_call_quota"]},
        ),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(organization_id=request.user.organization_id)


@admin.register(AuditEvent)
class AuditEventAdmin(OrganizationScopedAdmin):
    list_display = ["created_at", "action", "actor", "target_type", "target_id"]
    list_filter = ["action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(OrganizationScopedAdmin):
    organization_path = "staff__organization"
    list_display = ["staff", "role", "store", "region"]
    list_filter = ["role"]


@admin.register(Job)
class JobAdmin(OrganizationScopedAdmin):
    """Read only: jobs are written by the worker (revisit.core.jobs)."""

    list_display = ["created_at", "kind", "organization", "started_by", "status", "heartbeat_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
