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
