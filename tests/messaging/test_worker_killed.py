"""A real worker process killed in the middle of a send: the message is neither lost nor
sent twice. The child is killed either after the provider took the message (before the
outbox recorded it) or before the provider saw it."""

import os
import signal
import subprocess
import sys
import time
from datetime import time as time_of_day
from datetime import timedelta

import pytest
from django.utils import timezone

from revisit.messaging.models import Message
from revisit.messaging.outbox import send_due
from revisit.messaging.rules import messaging_settings
from revisit.messaging.services import queue_message
from tests.core.test_jobs import _child_env
from tests.messaging.conftest import sent_lines

WORKER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from revisit.messaging import backends

original = backends.FileBackend.send

def held(self, message, **kwargs):
    if sys.argv[2] == "after":
        original(self, message, **kwargs)
    Path(sys.argv[1]).write_text(str(os.getpid()))
    time.sleep(600)

backends.FileBackend.send = held
from revisit.messaging.tasks import send_due_messages
send_due_messages.call_local()
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("when, recovered", [("after", "found_sent"), ("before", "requeued")])
def test_a_worker_killed_mid_send_sends_exactly_once(shopfront, tmp_path, when, recovered):
    # The test's clock may be in the quiet hours, which would hold the message until the
    # morning when it is queued: no quiet hours, so it is due now and the child sends it.
    settings = messaging_settings(shopfront["org"])
    settings.quiet_start = settings.quiet_end = time_of_day(0)
    settings.save()
    message = queue_message(
        shopfront["consenting"],
        template=shopfront["template"],
        actor=shopfront["admin"],
        due=timezone.now() - timedelta(minutes=1),
    )
    ready = tmp_path / "ready"
    env = dict(_child_env(), MESSAGING_FILE_DIR=str(shopfront["dir"]), REVISIT_VAR=str(tmp_path))
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(ready), when], env=env, stderr=subprocess.PIPE
    )
    try:
        for _ in range(1200):  # a guard, not a timing: the child signals when it is inside
            if ready.exists() or worker.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), worker.stderr.read().decode() if worker.poll() else "not ready"
        message.refresh_from_db()
        assert message.status == Message.Status.SENDING
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert len(sent_lines(shopfront["dir"])) == (1 if when == "after" else 0)
    # Another tick before the timeout leaves the claim alone.
    assert send_due() == {}
    later = timezone.now() + timedelta(minutes=11)
    result = send_due(now=later)
    assert result[recovered] == 1
    assert send_due(now=later) == {}
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(sent_lines(shopfront["dir"])) == 1
