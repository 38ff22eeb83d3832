"""How the signed-in staff member is loaded on each request."""

from django.contrib.auth.backends import ModelBackend

from revisit.core.models import Staff


class StaffBackend(ModelBackend):
    """Django's password backend, with each request's staff member loaded together with
    her organization and role assignments: every page reads them several times (scope,
    menu, masking, filters), one query each without this."""

    def get_user(self, user_id):
        staff = (
            Staff._default_manager.select_related("organization")
            .prefetch_related("role_assignments")
            .filter(pk=user_id)
            .first()
        )
        return staff if staff is not None and self.user_can_authenticate(staff) else None
