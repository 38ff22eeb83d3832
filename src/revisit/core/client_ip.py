"""The client's address, also behind a reverse proxy.

Behind N trusted proxies (TRUSTED_PROXY_COUNT), the last proxy's address is REMOTE_ADDR and
the client is the N-th entry from the right of X-Forwarded-For: entries further left were
written by the client itself and cannot be trusted. Without trusted proxies the header is
ignored, so nobody can pick their own address to dodge the login lock-out.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote  # not through the expected proxies: only the direct peer is known
    return forwarded[-count]
