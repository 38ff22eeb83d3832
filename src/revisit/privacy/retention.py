"""Retention: personal data is kept no longer than it is needed. Uploaded files,
rejected-row files and import reports go after FILE_RETENTION_DAYS; expired sessions are
removed; audit events are kept AUDIT_RETENTION_YEARS and then deleted."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.core.models import AuditEvent


@dataclass(frozen=True)
class Swept:
    files: int
    sessions: int
    audit_events: int


def _old_files(now, days: int) -> list[Path]:
    cutoff = (now - timedelta(days=days)).timestamp()
    roots = [Path(settings.MEDIA_ROOT), Path(settings.IMPORT_REPORT_DIR)]
    return [
        p
        for root in roots
        if root.exists()
        for p in root.rglob("*")
        if p.is_file() and p.stat().st_mtime < cutoff
    ]


def sweep(*, now=None, dry_run: bool = False) -> Swept:
    """Delete what is past its retention time; running it twice deletes nothing twice."""
    now = now or timezone.now()
    files = _old_files(now, settings.FILE_RETENTION_DAYS)
    sessions = Session.objects.filter(expire_date__lt=now)
    audit_cutoff = now - timedelta(days=round(365.25 * settings.AUDIT_RETENTION_YEARS))
    events = AuditEvent.objects.filter(created_at__lt=audit_cutoff)
    if dry_run:
        return Swept(len(files), sessions.count(), events.count())
    for path in files:
        path.unlink(missing_ok=True)
    n_sessions, _ = sessions.delete()
    n_events, _ = events.delete()
    swept = Swept(len(files), n_sessions, n_events)
    if any([swept.files, swept.sessions, swept.audit_events]):
        record_event(
            None,
            actor=None,
            action="retention.sweep",
            count=swept.files,
            sessions=swept.sessions,
            audit_events=swept.audit_events,
        )
    return swept
