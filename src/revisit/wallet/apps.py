from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "revisit.wallet"
    label = "wallet"
    verbose_name = _("Wallet")

    def ready(self):
        from revisit.wallet import receivers

        receivers.connect()
