from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "revisit.journeys"
    label = "journeys"
    verbose_name = _("Timed journeys")

    def ready(self):
        from revisit.journeys import receivers

        receivers.connect()
