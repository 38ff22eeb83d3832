"""Bearer-token authentication for the API: the token's staff member becomes the
request's user, so the same access module scopes every read."""

from django.utils import timezone
from ninja.security import HttpBearer

from revisit.api.models import ApiToken, hash_token

LAST_USED_GRANULARITY_SECONDS = 300


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        now = timezone.now()
        record = (
            ApiToken.objects.select_related("staff")
            .filter(digest=hash_token(token), revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if record is None or not record.staff.is_active:
            return None
        if (
            record.last_used_at is None
            or (now - record.last_used_at).total_seconds() > LAST_USED_GRANULARITY_SECONDS
        ):
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        request.user = record.staff
        return record.staff
