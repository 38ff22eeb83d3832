from django.contrib import admin

from revisit.appointments.models import Appointment
from revisit.core.admin import OrganizationScopedAdmin


@admin.register(Appointment)
class AppointmentAdmin(OrganizationScopedAdmin):
    list_display = ["starts_at", "customer", "store", "staff", "practitioner", "status"]
    list_filter = ["status", "store"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["customer", "staff", "practitioner", "orders"]
