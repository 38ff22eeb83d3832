from django.contrib import admin

from revisit.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["staff", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    search_fields = ["staff__username", "name", "prefix"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("staff")
        if request.user.is_superuser:
            return qs
        return qs.filter(staff__organization=request.user.organization)

    def has_add_permission(self, request):
        return False  # tokens are issued with `revisit token create`, which shows them once
