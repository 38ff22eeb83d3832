"""What the journeys app hears from the apps below it: a follow-up recorded on the
satisfaction call after a purchase may carry a problem for the store to answer."""

from django.db import transaction
from django.db.models.signals import post_save


def _followup_saved(sender, instance, created, **kwargs):
    if not created:
        return
    from revisit.journeys.services import raise_problem_task

    pk = instance.pk

    def after_commit():
        from revisit.outreach.models import FollowUp

        followup = FollowUp.objects.filter(pk=pk).select_related("customer").first()
        if followup is not None:
            raise_problem_task(followup)

    transaction.on_commit(after_commit)


def connect():
    from revisit.outreach.models import FollowUp

    post_save.connect(_followup_saved, sender=FollowUp, dispatch_uid="journeys.problem_task")
