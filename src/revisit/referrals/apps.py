from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "revisit.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from revisit.imports.services import register_kind
        from revisit.referrals import receivers  # noqa: F401  (connects the signal handlers)
        from revisit.referrals.import_rows import REFERRAL_FIELDS, plan_referrals

        # The referral history comes in through the imports (page and `revisit import`).
        register_kind("referrals", fields=REFERRAL_FIELDS, planner=plan_referrals)
