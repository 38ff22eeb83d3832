"""Files, sessions and audit events past their retention time are deleted, nothing else;
a second run deletes nothing more."""

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from revisit.core.audit import record_event
from revisit.core.models import AuditEvent
from revisit.privacy.retention import sweep
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def _aged(path, days):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("客户编号,手机\nC1,13812345678\n")
    old = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(path, (old, old))
    return path


def test_old_files_sessions_and_audit_events_go_the_rest_stays(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "imports"
    old_upload = _aged(tmp_path / "media/uploads/demo/a.csv", 31)
    new_upload = _aged(tmp_path / "media/uploads/demo/b.csv", 2)
    old_rejects = _aged(tmp_path / "imports/demo/run-1-rejects.csv", 45)
    expired = SessionStore()
    expired.set_expiry(-10)
    expired.create()
    live = SessionStore()
    live.create()
    org = make_org()
    ancient = record_event(org, actor=None, action="phone.reveal")
    AuditEvent.objects.filter(pk=ancient.pk).update(
        created_at=timezone.now() - timedelta(days=6 * 366)
    )
    recent = record_event(org, actor=None, action="phone.reveal")

    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "将删除" in out.getvalue() and old_upload.exists()

    swept = sweep()
    assert (swept.files, swept.sessions, swept.audit_events) == (2, 1, 1)
    assert not old_upload.exists() and not old_rejects.exists() and new_upload.exists()
    assert Session.objects.filter(session_key=live.session_key).exists()
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert not AuditEvent.objects.filter(pk=ancient.pk).exists()

    again = sweep()
    assert (again.files, again.sessions, again.audit_events) == (0, 0, 0)
