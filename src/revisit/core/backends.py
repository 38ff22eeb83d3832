"""The password backend: Django's, reading the signed-in staff member once per request
together with what nearly every page asks about her (her organization and her roles)."""

from django.contrib.auth.backends import ModelBackend

from revisit.core.models import Staff


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        """The session's user (once per request) with the organization joined and the
        role assignments prefetched, so that the navigation, the role checks and the
        access scopes read no more rows."""
        user = (
            Staff._default_manager.select_related("organization")
            .prefetch_related("role_assignments")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
