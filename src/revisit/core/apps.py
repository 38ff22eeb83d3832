from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import connections
from django.utils.translation import gettext_lazy as _


def release_sqlite_cache(**kwargs) -> None:
    """A kept SQLite connection gives its page cache back when a request ends, so that a
    web server's threads do not each hold up to SQLITE_CACHE_MB between requests (the
    pages stay in the operating system's cache)."""
    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if connection.vendor == "sqlite" and raw is not None and not connection.in_atomic_block:
            raw.execute("PRAGMA shrink_memory")


class CoreConfig(AppConfig):
    name = "revisit.core"
    label = "core"
    verbose_name = _("Organization and staff")

    def ready(self):
        # After Django's own receiver, which closes a connection past its age.
        request_finished.connect(release_sqlite_cache, dispatch_uid="revisit.release_sqlite_cache")
