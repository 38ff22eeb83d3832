from django.contrib import admin

from revisit.appointments.models import Appointment, Consultation, DeskSettings, Leave, Room, Shift
from revisit.core.admin import OrganizationScopedAdmin


@admin.register(Appointment)
class AppointmentAdmin(OrganizationScopedAdmin):
    list_display = ["starts_at", "customer", "store", "staff", "practitioner", "status"]
    list_filter = ["status", "store"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["customer", "staff", "practitioner", "orders"]


@admin.register(Room)
class RoomAdmin(OrganizationScopedAdmin):
    list_display = ["name", "store", "position"]
    list_filter = ["store"]


@admin.register(Shift)
class ShiftAdmin(OrganizationScopedAdmin):
    list_display = ["practitioner", "store", "weekday", "starts", "ends"]
    list_filter = ["store", "weekday"]
    raw_id_fields = ["practitioner"]


@admin.register(Leave)
class LeaveAdmin(OrganizationScopedAdmin):
    list_display = ["practitioner", "store", "starts_at", "ends_at", "reason"]
    raw_id_fields = ["practitioner"]


@admin.register(Consultation)
class ConsultationAdmin(OrganizationScopedAdmin):
    list_display = ["held_at", "customer", "consultant", "store", "result", "no_deal_reason"]
    list_filter = ["result", "store"]
    raw_id_fields = ["customer", "consultant", "appointment", "order", "recorded_by"]


@admin.register(DeskSettings)
class DeskSettingsAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "wait_minutes", "owner_rule"]
