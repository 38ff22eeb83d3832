"""API tokens: a staff member's key for the REST API. Only a hash is stored; the token
is shown once when it is created."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX_LENGTH = 8


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("staff member"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True)
    digest = models.CharField(_("hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.staff} {self.prefix}… {self.name}".strip()

    @classmethod
    def issue(cls, staff, name: str = "", *, days: int | None = None) -> tuple["ApiToken", str]:
        """Create a token for `staff` valid for `days` (default API_TOKEN_DAYS); returns the
        record and the token text (shown once)."""
        token = secrets.token_urlsafe(32)
        while not token[0].isalnum():  # a prefix like "-x…" reads as an option on the CLI
            token = secrets.token_urlsafe(32)
        days = settings.API_TOKEN_DAYS if days is None else days
        record = cls.objects.create(
            staff=staff,
            name=name,
            prefix=token[:PREFIX_LENGTH],
            digest=hash_token(token),
            expires_at=timezone.now() + timedelta(days=days),
        )
        return record, token
