from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.messaging.models import Message, MessageCampaign, MessageTemplate, MessagingSettings


@admin.register(MessageTemplate)
class MessageTemplateAdmin(OrganizationScopedAdmin):
    list_display = ["name", "channel", "purpose", "audience", "is_active"]
    list_filter = ["channel", "purpose", "is_active"]


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "signature", "quiet_start", "quiet_end", "daily_cap"]
    exclude = ["webhook_secret"]


@admin.register(Message)
class MessageAdmin(OrganizationScopedAdmin):
    list_display = ["due_at", "customer", "channel", "status", "suppression_reason", "attempts"]
    list_filter = ["status", "channel", "suppression_reason"]
    raw_id_fields = ["customer", "template", "created_by"]
    # The outbox is written by its services and the worker only.
    readonly_fields = [f.name for f in Message._meta.fields]


@admin.register(MessageCampaign)
class MessageCampaignAdmin(OrganizationScopedAdmin):
    list_display = ["name", "status", "store", "recipient_count", "created_by", "created_at"]
    list_filter = ["status"]
    # A group send moves only through its services (approval, queueing).
    readonly_fields = [f.name for f in MessageCampaign._meta.fields]
