"""The wallet in the admin: the ledger read only. Balances move through the services (one
entry per movement, audited); a correction is a new entry, never an edit here."""

from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.wallet.course_card_models import CourseCardProduct, CourseCardSettings
from revisit.wallet.models import Account, CardRedemption, Entry, TopUpBonusRule
from revisit.wallet.points_models import MembershipCard, MembershipChange, PointsSettings


class ReadOnlyAdmin(OrganizationScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "card_number", "balance", "expires_on", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["card_number", "customer__code"]
    raw_id_fields = ["customer", "item", "store"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "kind", "amount", "balance_after", "actor"]
    list_filter = ["kind", "reference_type"]
    raw_id_fields = ["account", "counterpart", "actor"]


@admin.register(TopUpBonusRule)
class TopUpBonusRuleAdmin(ReadOnlyAdmin):
    list_display = ["organization", "threshold", "bonus"]


@admin.register(CardRedemption)
class CardRedemptionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "card", "redeemer"]
    raw_id_fields = ["entry", "card", "redeemer"]


# Course cards (疗程卡): the catalogue items sold as cards, and the call-list settings.
@admin.register(CourseCardProduct)
class CourseCardProductAdmin(OrganizationScopedAdmin):
    list_display = ["item", "sessions", "covers_item", "covers_category", "valid_days"]
    raw_id_fields = ["item", "covers_item"]


@admin.register(CourseCardSettings)
class CourseCardSettingsAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "expiry_days", "unused_days"]


# Points and membership (revisit.wallet.points, .membership).
@admin.register(PointsSettings)
class PointsSettingsAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "enabled", "membership_threshold"]


@admin.register(MembershipCard)
class MembershipCardAdmin(ReadOnlyAdmin):
    list_display = ["card_number", "customer", "status"]
    list_filter = ["status"]
    raw_id_fields = ["customer"]


@admin.register(MembershipChange)
class MembershipChangeAdmin(ReadOnlyAdmin):
    list_display = ["card", "from_status", "to_status", "changed_at"]
    raw_id_fields = ["card"]
