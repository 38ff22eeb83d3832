"""`revisit serve`: the production server (gunicorn, DEBUG off) with the background
worker supervised; `revisit serve --dev` keeps Django's runserver for development."""

import os
import signal
import subprocess
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from revisit.core.models import RoleAssignment

DEMO_PASSWORD_HINT = "demo12345"
# A worker that keeps dying is restarted at most this often (seconds), so that a broken
# configuration does not spin the machine.
MAX_RESTART_DELAY = 30


def default_workers() -> int:
    """One process per core and one more: a process runs one request's Python at a time
    (its threads overlap only the waits), so this keeps every core busy; more processes
    only fight the database and the background worker for the same cores."""
    return min((os.cpu_count() or 1) + 1, 9)


def default_threads() -> int:
    # Requests mostly wait on the database; threads overlap those waits cheaply.
    return 4


class Command(BaseCommand):
    help = (
        "Serve Revisit with gunicorn (several processes and threads) and a supervised "
        "background worker; print the URL and the demo logins. --dev uses runserver."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="no background worker")
        parser.add_argument("--dev", action="store_true", help="Django's runserver instead")
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--threads", type=int, default=default_threads())

    def handle(self, *args, **opts):
        self.print_welcome(opts["addr"])
        if opts["dev"]:
            self.serve_dev(opts["addr"], worker=not opts["no_worker"])
            return
        web = subprocess.Popen(self.gunicorn_command(opts))
        self.say(f"web server (gunicorn) pid {web.pid}")
        self.supervise(web, worker=not opts["no_worker"])

    def gunicorn_command(self, opts) -> list[str]:
        if opts["workers"] < 1 or opts["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "revisit.wsgi:application",
            "--bind",
            opts["addr"],
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            # Uploads and exports can take a while; inventories run in the worker.
            "--timeout",
            "120",
            "--graceful-timeout",
            "20",
            "--access-logfile",
            "-",
            "--logger-class",
            "revisit.core.gunicorn_logging.MaskedLogger",
        ]

    def supervise(self, web: subprocess.Popen, *, worker: bool) -> None:
        """Run until SIGTERM/SIGINT or until the web server exits; restart the background
        worker whenever it dies."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        huey = self.start_worker() if worker else None
        delay = 1
        try:
            while not stop.wait(1):
                if web.poll() is not None:
                    raise CommandError(f"the web server stopped (exit code {web.returncode})")
                if huey is not None and huey.poll() is not None:
                    self.say(f"background worker stopped (exit code {huey.returncode}); restarting")
                    if stop.wait(delay):
                        break
                    delay = min(delay * 2, MAX_RESTART_DELAY)
                    huey = self.start_worker()
        finally:
            self.stop_process(web, signal.SIGTERM)  # gunicorn: graceful shutdown
            if huey is not None:
                self.stop_process(huey, signal.SIGINT)  # huey: finish the running task
        self.say("stopped")

    def start_worker(self) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "revisit.cli", "run_huey"])
        self.say(f"background worker pid {process.pid}")
        return process

    @staticmethod
    def stop_process(process: subprocess.Popen, sig: int) -> None:
        if process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def serve_dev(self, addr: str, *, worker: bool) -> None:
        huey = self.start_worker() if worker else None
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            if huey is not None:
                self.stop_process(huey, signal.SIGINT)

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def print_welcome(self, addr: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nRevisit 回访: http://{addr}/   (admin: /admin/)"))
        logins = (
            RoleAssignment.objects.filter(staff__organization__code="demo", staff__is_active=True)
            .select_related("staff", "store", "region")
            .order_by("role", "staff__username")
        )
        seen = set()
        rows = []
        for a in logins:
            if a.role in seen:
                continue
            seen.add(a.role)
            rows.append((a.staff.username, a.get_role_display(), str(a.store or a.region or "")))
        if rows:
            self.stdout.write(f"演示账号 demo logins (password: {DEMO_PASSWORD_HINT}):")
            for username, role, where in rows:
                self.stdout.write(f"  {username:<14} {role:<10} {where}")
        self.say("")
