from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.outreach.models import (
    Cadence,
    CallTask,
    Campaign,
    FollowUp,
    OutreachSettings,
    OutreachState,
    ScheduledContact,
    StaffDuty,
    Strategy,
)


@admin.register(OutreachSettings)
class OutreachSettingsAdmin(OrganizationScopedAdmin):
    list_display = [
        "organization",
        "consultant_daily_quota",
        "caller_daily_quota",
        "next_day_appointment_target",
        "cool_off_days",
        "contact_cap",
    ]


@admin.register(Strategy)
class StrategyAdmin(OrganizationScopedAdmin):
    list_display = ["target", "name", "department", "invitation_type", "priority", "is_worked"]
    list_filter = ["department", "invitation_type", "is_worked"]
    list_editable = ["priority", "is_worked"]


@admin.register(CallTask)
class CallTaskAdmin(OrganizationScopedAdmin):
    list_display = ["due_date", "customer", "assignee", "segment", "status", "source", "claimed_by"]
    list_filter = ["status", "source", "due_date"]
    raw_id_fields = ["customer", "assignee", "claimed_by", "strategy"]
    show_full_result_count = False


@admin.register(FollowUp)
class FollowUpAdmin(OrganizationScopedAdmin):
    list_display = [
        "contacted_at",
        "customer",
        "actor",
        "channel",
        "outcome",
        "intent",
        "next_contact_on",
    ]
    list_filter = ["outcome", "channel", "intent"]
    raw_id_fields = ["customer", "task", "actor", "appointment"]
    readonly_fields = [f.name for f in FollowUp._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # follow-ups are recorded through the service, which applies the rules


@admin.register(Cadence)
class CadenceAdmin(OrganizationScopedAdmin):
    list_display = ["key", "name", "kind", "days", "start_months"]


@admin.register(ScheduledContact)
class ScheduledContactAdmin(OrganizationScopedAdmin):
    list_display = ["due_on", "customer", "reason", "status"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["customer", "cadence"]


@admin.register(OutreachState)
class OutreachStateAdmin(OrganizationScopedAdmin):
    organization_path = "customer__organization"
    list_display = ["customer", "queue", "unreachable_count"]
    list_filter = ["queue"]
    raw_id_fields = ["customer"]


@admin.register(Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    list_display = ["name", "starts_on", "ends_on", "ended_on"]


@admin.register(StaffDuty)
class StaffDutyAdmin(OrganizationScopedAdmin):
    organization_path = "staff__organization"
    list_display = ["staff", "assists", "on_call_team"]
    raw_id_fields = ["staff", "assists"]
