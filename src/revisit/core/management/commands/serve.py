import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from revisit.core.models import RoleAssignment

DEMO_PASSWORD_HINT = "demo12345"


class Command(BaseCommand):
    help = "Start the background worker and the web server; print the URL and demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, **opts):
        self.print_welcome(opts["addr"])
        worker = None
        if not opts["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "revisit.cli", "run_huey"])
        try:
            call_command("runserver", opts["addr"], use_reloader=False)
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGINT)
                worker.wait(timeout=10)

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
        self.stdout.write("")
