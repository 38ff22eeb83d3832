"""A session follows the account as it is now: the user is read with her roles on every
request (revisit.core.backends), so a change made elsewhere counts at the next click."""

import pytest
from django.test import Client

from revisit.core.models import Role, RoleAssignment
from tests.factories import log_in, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
PASSWORD = "First-pass-2468"


@pytest.fixture
def consultant():
    org = make_org()
    staff = make_staff(org, Role.CONSULTANT, store=make_store(org))
    staff.set_password(PASSWORD)
    staff.save()
    return staff


def signed_in(staff) -> Client:
    client = Client()
    assert log_in(client, staff.username, PASSWORD)
    assert client.get("/queue/").status_code == 200
    return client


def test_a_password_change_signs_out_her_other_sessions_only(consultant):
    desk, phone = signed_in(consultant), signed_in(consultant)
    desk.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Next-pass-1357",
            "new_password2": "Next-pass-1357",
        },
    )
    assert desk.get("/queue/").status_code == 200
    assert phone.get("/queue/")["Location"].startswith("/accounts/login/")


def test_a_disabled_account_is_signed_out_at_the_next_click(consultant):
    client = signed_in(consultant)
    consultant.is_active = False
    consultant.save()
    assert client.get("/queue/")["Location"].startswith("/accounts/login/")


def test_logging_out_ends_the_session_for_a_copied_cookie(consultant):
    client = signed_in(consultant)
    copy = Client()
    copy.cookies["sessionid"] = client.cookies["sessionid"].value  # e.g. a stolen cookie
    assert copy.get("/queue/").status_code == 200
    client.post("/accounts/logout/")
    assert copy.get("/queue/")["Location"].startswith("/accounts/login/")


def test_a_removed_role_counts_at_the_next_request(consultant):
    client = signed_in(consultant)
    RoleAssignment.objects.filter(staff=consultant).update(role=Role.PRACTITIONER)
    assert client.get("/queue/").status_code == 403
