from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.reports.models import MonthlyFollowupReport, PlanSuggestion, RegionSummary


@admin.register(MonthlyFollowupReport)
class MonthlyFollowupReportAdmin(OrganizationScopedAdmin):
    list_display = ["store", "month", "status", "submitted_at", "reviewed_by"]
    list_filter = ["status"]
    # Reports move through their services (suggest, plan, submit, review) only.
    readonly_fields = [f.name for f in MonthlyFollowupReport._meta.fields]


@admin.register(PlanSuggestion)
class PlanSuggestionAdmin(OrganizationScopedAdmin):
    organization_path = "report__organization"
    list_display = ["report", "author", "created_at"]
    readonly_fields = [f.name for f in PlanSuggestion._meta.fields]


@admin.register(RegionSummary)
class RegionSummaryAdmin(OrganizationScopedAdmin):
    list_display = ["region", "month", "submitted_by", "submitted_at"]
    readonly_fields = [f.name for f in RegionSummary._meta.fields]
