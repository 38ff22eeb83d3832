"""`revisit serve` runs gunicorn with DEBUG off and supervises the background worker:
the product's own pages, the worker restarted when it dies, a clean stop."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Output:
    """The server's output lines, read as they come."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, pattern: str, *, after: int = 0) -> re.Match:
        with self.changed:
            # A guard against a hang, not a timing.
            for _ in range(600):
                for line in self.lines[after:]:
                    if match := re.search(pattern, line):
                        return match
                self.changed.wait(0.5)
        raise AssertionError(f"{pattern!r} never came:\n{''.join(self.lines)}")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _up(url: str) -> None:
    for _ in range(600):  # a guard, not a timing
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server never answered")


@pytest.mark.xdist_group("fresh_install")
def test_serve_runs_gunicorn_with_the_products_pages_and_a_supervised_worker(
    tmp_path, fresh_install
):
    # A copy of a freshly migrated database (tests/web/conftest.py): the same as migrating
    # one here, without paying for the migrate twice in a session.
    database = tmp_path / "serve.sqlite3"
    shutil.copyfile(fresh_install / "revisit.sqlite3", database)
    wal = fresh_install / "revisit.sqlite3-wal"  # the migrate has ended: nothing writes it
    if wal.exists():
        shutil.copyfile(wal, f"{database}-wal")
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        REVISIT_VAR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="revisit.settings",
        PYTHONUNBUFFERED="1",
    )
    revisit = [sys.executable, "-m", "revisit.cli"]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*revisit, "serve", "--addr", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    out = Output(server.stdout)
    try:
        out.wait_for(r"web server \(gunicorn\) pid \d+")
        worker = int(out.wait_for(r"background worker pid (\d+)")[1])
        _up(f"{base}/accounts/login/")
        status, page = _get(f"{base}/accounts/login/")
        assert status == 200 and 'id="language-switcher"' in page and "登录" in page
        status, page = _get(f"{base}/no-such-page/")
        assert status == 404 and "页面不存在" in page
        assert "URLconf" not in page and "Traceback" not in page
        # The worker dies: the server starts another.
        seen = len(out.lines)
        os.kill(worker, signal.SIGKILL)
        out.wait_for(r"background worker stopped", after=seen)
        restarted = int(out.wait_for(r"background worker pid (\d+)", after=seen)[1])
        assert restarted != worker
        assert _get(f"{base}/accounts/login/")[0] == 200
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        out.wait_for("stopped")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    # Gunicorn and the worker are gone with it.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    with pytest.raises(ProcessLookupError):
        os.kill(restarted, 0)
