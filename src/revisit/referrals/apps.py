from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "revisit.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from revisit.referrals import receivers  # noqa: F401  (connects the signal handlers)
