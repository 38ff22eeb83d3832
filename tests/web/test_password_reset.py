"""A forgotten password is reset by email when mail is configured; otherwise the page does
not exist and the login page offers nothing (the admin resets passwords)."""

import re

import pytest
from django.core import mail
from django.test import Client

from revisit.core.models import Role
from tests.factories import log_in, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant():
    org = make_org()
    staff = make_staff(org, Role.CONSULTANT, store=make_store(org))
    staff.email = "xiaoli@example.com"
    staff.must_change_password = True
    staff.set_password("Old-pass-13579")
    staff.save()
    return staff


def test_without_mail_there_is_no_reset_by_email(client, settings, consultant):
    settings.EMAIL_HOST = ""
    assert 'id="forgot-password"' not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/reset/").status_code == 404


def test_a_reset_link_by_email_sets_a_new_password(client, settings, consultant):
    settings.EMAIL_HOST = "smtp.example.com"
    assert 'id="forgot-password"' in client.get("/accounts/login/").content.decode()
    sent = client.post("/accounts/reset/", {"email": "xiaoli@example.com"})
    assert sent.status_code == 302
    assert len(mail.outbox) == 1 and "新密码" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'id="password-reset-confirm"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "Fresh-pass-2468", "new_password2": "Fresh-pass-2468"},
    )
    assert done.status_code == 302
    consultant.refresh_from_db()
    assert not consultant.must_change_password
    assert log_in(Client(), consultant.username, "Fresh-pass-2468")
    assert not log_in(Client(), consultant.username, "Old-pass-13579")
    # The link works once.
    again = client.get(link, follow=True).content.decode()
    assert 'id="password-reset-confirm"' not in again


def test_an_unknown_address_says_the_same_and_sends_nothing(client, settings, consultant):
    settings.EMAIL_HOST = "smtp.example.com"
    response = client.post("/accounts/reset/", {"email": "nobody@example.com"}, follow=True)
    assert response.status_code == 200 and not mail.outbox
