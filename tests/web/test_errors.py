"""Errors answer with the product's own pages, in the user's language: never Django's
debug page, a bare English 403, or a 500 from a parameter typed in the address bar."""

import os
import subprocess
import sys

import pytest
from django.test import Client

from revisit.core.models import Role
from tests.factories import make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    org = make_org()
    make_store(org)
    return make_staff(org, Role.ADMIN)


def _is_product_page(html: str) -> bool:
    return 'id="language-switcher"' in html and "web/revisit.css" in html


def test_a_missing_page_is_the_products_404_in_chinese(client, admin):
    client.force_login(admin)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert _is_product_page(html) and "页面不存在" in html and 'id="error-404"' in html
    assert "URLconf" not in html and "Not Found" not in html


def test_a_forbidden_action_is_the_products_403_in_chinese(client, admin):
    caller = make_staff(admin.organization, Role.CALLER, store=admin.organization.stores.get())
    client.force_login(caller)
    response = client.get("/reports/daily/")
    html = response.content.decode()
    assert response.status_code == 403
    assert _is_product_page(html) and "无权访问" in html and "403 Forbidden" not in html


def test_a_server_error_is_the_products_500_page(admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("revisit.web.views.reports.daily_figures", broken)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    response = client.get("/reports/daily/")
    html = response.content.decode()
    assert response.status_code == 500
    assert _is_product_page(html) and "出错了" in html
    assert "boom" not in html and "Traceback" not in html


@pytest.mark.parametrize("day", ["2024-02-30", "2024-13-45", "9999-12-31", "0001-01-01", "abc"])
def test_an_impossible_day_on_the_daily_report_is_a_400_with_a_message(client, admin, day):
    client.force_login(admin)
    response = client.get("/reports/daily/", {"day": day})
    html = response.content.decode()
    assert response.status_code == 400
    assert _is_product_page(html) and f"“{day}”不是 1900-01-01 到 2100-12-31 之间的日期" in html


def test_a_real_day_on_the_daily_report_still_works(client, admin):
    client.force_login(admin)
    response = client.get("/reports/daily/", {"day": "2024-02-29"})
    assert response.status_code == 200 and str(response.context["day"]) == "2024-02-29"


@pytest.mark.parametrize("page", ["99999999999999999999999", "0", "-1", "abc", "100001"])
def test_an_impossible_page_of_customers_is_a_400_with_a_message(client, admin, page):
    client.force_login(admin)
    response = client.get("/customers/", {"page": page})
    html = response.content.decode()
    assert response.status_code == 400
    assert "页码应为 1 到 100000 之间的整数" in html


def test_a_far_page_of_customers_that_exists_in_principle_is_empty(client, admin):
    client.force_login(admin)
    response = client.get("/customers/", {"page": "100000"})
    assert response.status_code == 200 and response.context["customers"] == []


def test_the_language_switcher_turns_the_interface_to_english_and_back(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'action="/i18n/setlang/"' in page and "登录" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page and "Log in" in page and "登录" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_debug_is_off_unless_asked_for():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env["DJANGO_SETTINGS_MODULE"] = "revisit.settings"
    code = "from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
    env["DEBUG"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


def test_a_form_sent_without_its_csrf_token_gets_the_products_page(admin):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    html = response.content.decode()
    assert response.status_code == 403
    assert _is_product_page(html) and "表单已过期" in html
    assert "CSRF verification failed" not in html
