"""The referral channel listens for orders: a referred customer's first order proposes
the rewards of both sides as soon as it is imported."""

from django.dispatch import receiver

from revisit.imports.signals import orders_imported
from revisit.referrals.rewards import propose_due_rewards


@receiver(orders_imported, dispatch_uid="referrals.propose_on_import")
def propose_on_import(sender, *, organization, **kwargs):
    propose_due_rewards(organization)
