"""Security in every face: deploy checks, login throttling, CSRF, session expiry."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from revisit.core.models import Role
from tests.factories import log_in, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


def test_deploy_checks_are_clean_with_production_settings(tmp_path):
    env = dict(
        os.environ,
        REVISIT_PRODUCTION="1",
        SECRET_KEY="k" * 20 + "-Vq8s7Zp3L0mN9xW4yT6uR2eD1cF5gH8jK0bA7" * 2,
        ALLOWED_HOSTS="revisit.example.com",
        REVISIT_VAR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="revisit.settings",
    )
    out = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = dict(os.environ, REVISIT_PRODUCTION="1", REVISIT_VAR=str(tmp_path))
    env.pop("SECRET_KEY", None)
    out = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings", "revisit.settings"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr


def test_repeated_wrong_passwords_lock_the_login_out(client):
    org = make_org()
    store = make_store(org)
    staff = make_staff(org, Role.CONSULTANT, store=store)
    staff.set_password("right-pass-123")
    staff.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert not log_in(client, staff.username, "wrong")
    # Locked now: even the right password is refused, with a message in Chinese.
    response = client.post(
        "/accounts/login/", {"username": staff.username, "password": "right-pass-123"}
    )
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    # Another account from the same address is not locked.
    other = make_staff(org, Role.CONSULTANT, store=store)
    other.set_password("right-pass-456")
    other.save()
    assert log_in(client, other.username, "right-pass-456")


def test_forms_need_the_csrf_token():
    staff = make_staff(make_org(), Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post("/inventories/", {"as_of": "2025-01-01"}).status_code == 403


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _locked_staff(org, store, password="right-pass-123"):
    staff = make_staff(org, Role.CONSULTANT, store=store)
    staff.set_password(password)
    staff.save()
    return staff


def test_failures_from_many_addresses_lock_the_username_out(client):
    org = make_org()
    staff = _locked_staff(org, make_store(org))
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": staff.username, "password": "wrong"},
            REMOTE_ADDR=f"203.0.113.{i + 1}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": staff.username, "password": "right-pass-123"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts_and_spoofing_does_not(
    client, settings
):
    from revisit.core.client_ip import client_ip

    class Request:
        def __init__(self, remote, forwarded=None):
            self.META = {"REMOTE_ADDR": remote}
            if forwarded:
                self.META["HTTP_X_FORWARDED_FOR"] = forwarded

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(Request("10.0.0.2", "1.2.3.4")) == "10.0.0.2"  # header not trusted
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6" itself; the proxy appended the real address.
    assert client_ip(Request("10.0.0.2", "6.6.6.6, 198.51.100.9")) == "198.51.100.9"
    assert client_ip(Request("10.0.0.2")) == "10.0.0.2"
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    org = make_org()
    staff = _locked_staff(org, make_store(org))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": staff.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9",
        )
    # Same proxy, another real client: not locked; the locked one stays locked even
    # when it forges another left-hand address.
    ok = client.post(
        "/accounts/login/",
        {"username": staff.username, "password": "right-pass-123"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.10",
    )
    assert ok.status_code == 302
    client.logout()
    locked = client.post(
        "/accounts/login/",
        {"username": staff.username, "password": "right-pass-123"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="7.7.7.7, 198.51.100.9",
    )
    assert locked.status_code == 429


def test_no_demo_accounts_in_production(settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from revisit.core.models import Organization

    settings.PRODUCTION = True
    out = StringIO()
    call_command("demo", "--if-empty", "--customers", "20", stdout=out)
    assert "生产模式" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("demo", "--customers", "20")
    assert not Organization.objects.exists()


@pytest.mark.xdist_group("fresh_install")
def test_files_under_var_are_private(fresh_install):
    var = fresh_install  # made by the product's own `revisit migrate` (tests/web/conftest.py)
    assert oct(var.stat().st_mode & 0o777) == "0o700"
    for name in ["revisit.sqlite3", "secret_key"]:
        assert oct((var / name).stat().st_mode & 0o777) == "0o600", name


def test_every_page_carries_a_content_security_policy(client):
    staff = make_staff(make_org(), Role.ADMIN)
    client.force_login(staff)
    for url in ["/", "/customers/", "/accounts/password/", "/api/docs"]:
        policy = client.get(url, follow=True).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy" in Client().get("/accounts/login/").headers
