"""What other apps may react to when orders come in, without the import pipeline knowing
them (the referral channel proposes rewards on a first order, the wallet posts points)."""

from django.dispatch import Signal

# Sent after an order import has committed, with `organization` and `import_run`.
orders_imported = Signal()
