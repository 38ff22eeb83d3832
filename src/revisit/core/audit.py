"""Audit events: every service that changes data records one."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from revisit.core.models import AuditEvent, Organization, Staff


def record_event(
    organization: Organization | None,
    *,
    actor: Staff | None,
    action: str,
    target: models.Model | None = None,
    **data,
) -> AuditEvent:
    """Record that `actor` did `action` (e.g. "import.orders") to `target`."""
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data,
    )


# What each recorded action is called on the audit page. Every action a service records
# has a label here (a test checks the code base against this table).
ACTION_LABELS = {
    "appointment.book": _("Appointment booked"),
    "appointment.confirmed": _("Appointment confirmed"),
    "appointment.arrived": _("Customer arrived"),
    "appointment.no_show": _("Appointment missed"),
    "appointment.cancelled": _("Appointment cancelled"),
    "appointment.in_treatment": _("Treatment started"),
    "appointment.done": _("Treatment done"),
    "appointment.reschedule": _("Appointment moved"),
    "appointment.walk_in": _("Walk-in registered"),
    "appointment.consultant": _("Receiving consultant assigned"),
    "appointment.revisits": _("Post-treatment revisits scheduled"),
    "consultation.record": _("Consultation recorded"),
    "consultation.order": _("Order linked to a consultation"),
    "desk_settings.edit": _("Desk settings changed"),
    "shift.add": _("Shift added"),
    "shift.remove": _("Shift removed"),
    "leave.add": _("Leave recorded"),
    "leave.remove": _("Leave removed"),
    "room.add": _("Room added"),
    "room.remove": _("Room removed"),
    "cadence.create": _("Cadence created"),
    "cadence.delete": _("Cadence deleted"),
    "cadence.edit": _("Cadence changed"),
    "calllists.generate": _("Call lists generated"),
    "calltask.reassign": _("Task reassigned"),
    "campaign.create": _("Campaign created"),
    "campaign.edit": _("Campaign changed"),
    "campaign.end": _("Campaign ended"),
    "campaign.reinvite": _("Declined and unreachable customers invited again"),
    "consent.set": _("Consent recorded"),
    "customer.correct_acquisition": _("How the customer came corrected"),
    "customer.edit": _("Customer card changed"),
    "customer.erase": _("Personal data erased"),
    "customer.export_personal_data": _("Personal data exported"),
    "customer.note": _("Note written"),
    "customer.reassign_owner": _("Customer handed to another owner"),
    "customer.register": _("Customer card created"),
    "customer.tags": _("Tags changed"),
    "customer.view": _("Customer page viewed"),
    "demo.create": _("Demo created"),
    "export": _("Table downloaded"),
    "followup.record": _("Follow-up recorded"),
    "grading_settings.edit": _("Grading settings changed"),
    "import.customers": _("Customers imported"),
    "import.orders": _("Orders imported"),
    "inventory.export": _("Inventory downloaded"),
    "job.worker_stopped": _("Background job failed: its worker stopped"),
    "inventory.publish": _("Inventory published"),
    "inventory.run": _("Inventory run"),
    "message.queue": _("Message queued"),
    "message.queue_many": _("Messages queued to many customers"),
    "message.reply": _("SMS reply received"),
    "message_template.create": _("Message template added"),
    "message_template.delete": _("Message template deleted"),
    "message_template.edit": _("Message template changed"),
    "messaging_settings.edit": _("Messaging settings changed"),
    "messaging_settings.secret": _("Webhook secret renewed"),
    "organization.create": _("Organization created"),
    "outreach.return_to_lists": _("Customer returned to the call lists"),
    "outreach_settings.edit": _("Outreach settings changed"),
    "phone.reveal": _("Phone number shown"),
    "phone.status": _("Phone status changed"),
    "staff.activate": _("Account enabled"),
    "staff.create": _("Account created"),
    "staff.daily_call_quota": _("Personal call quota changed"),
    "staff.deactivate": _("Account disabled"),
    "staff.password_change": _("Own password changed"),
    "staff.password_reset": _("Password reset"),
    "staff.role_add": _("Role added"),
    "staff.role_remove": _("Role removed"),
    "psychology_type.create": _("Psychology type added"),
    "psychology_type.edit": _("Psychology type changed"),
    "retention.sweep": _("Old data deleted"),
    "strategy.edit": _("Strategy changed"),
    "staff.duty": _("Assistant or call team changed"),
    "strategy.install_defaults": _("Default strategies installed"),
    "tier.downgrade": _("Tier lowered"),
    "tier.upgrade.approve": _("Tier rise approved"),
    "tier.upgrade.reject": _("Tier rise rejected"),
    "tier.upgrade.approve_many": _("Tier rises approved together"),
    "tier.upgrade.reject_many": _("Tier rises rejected together"),
}

# Details worth showing, with their labels; other details stay in the database.
DETAIL_LABELS = {
    "rows": _("Rows"),
    "reason": _("Reason"),
    "via": _("Through"),
    "date": _("Date"),
    "created": _("Created"),
    "outcome": _("Outcome"),
    "before": _("Before"),
    "after": _("After"),
    "count": _("Count"),
    "full_phones": _("Full numbers"),
    "role": _("Role"),
    "channel": _("Channel"),
    "source": _("Source"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, _("Other action")))
