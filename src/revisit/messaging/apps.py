from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "revisit.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from django.db.models import Q

        from revisit.messaging.models import Message, Purpose
        from revisit.outreach.contacts import ContactSource, register_contact_source

        # A marketing message sent is a contact, as a call is: the call lists' cool-off
        # and contact cap count it (the outbox's rules count calls the same way).
        register_contact_source(
            ContactSource(
                model=Message,
                kind="message",
                moment="sent_at",
                rows=Q(status=Message.Status.SENT, purpose=Purpose.MARKETING),
            )
        )
