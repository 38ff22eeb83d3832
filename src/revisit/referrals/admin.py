from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.referrals.models import Lead, ReferralSettings, Reward


@admin.register(Lead)
class LeadAdmin(OrganizationScopedAdmin):
    list_display = [
        "name",
        "referrer",
        "store",
        "intention",
        "registered_at",
        "attribution",
        "rule",
    ]
    list_filter = ["attribution", "rule", "intention", "store"]
    raw_id_fields = ["referrer", "customer", "registered_by", "decided_by"]
    # Decided once at arrival; corrections go through the audited page.
    readonly_fields = ["attribution", "level", "rule", "facts", "arrived_at", "decided_by"]


@admin.register(Reward)
class RewardAdmin(OrganizationScopedAdmin):
    list_display = ["lead", "customer", "side", "kind", "amount", "status"]
    list_filter = ["status", "kind", "side"]
    raw_id_fields = ["lead", "customer", "order", "decided_by", "entry"]
    readonly_fields = ["status", "entry", "decided_by", "decided_at"]


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "registration_cutoff_days", "referrer_rebate_rate"]
