"""API tokens expire, record their last use, and can be listed."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from revisit.api.models import ApiToken
from tests.factories import make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    org = make_org()
    return make_staff(org, "store_manager", store=make_store(org))


def get(client, token):
    return client.get("/api/customers", headers={"Authorization": f"Bearer {token}"})


def test_a_token_stops_working_when_it_expires_and_records_its_last_use(client, manager):
    record, token = ApiToken.issue(manager)
    assert record.expires_at - timezone.now() > timedelta(days=89)
    assert get(client, token).status_code == 200
    record.refresh_from_db()
    assert record.last_used_at is not None
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert get(client, token).status_code == 401


def test_create_with_a_lifetime_and_list_shows_state_and_last_use(client, manager):
    out = StringIO()
    call_command("token", "create", "--user", manager.username, "--days", "1", stdout=out)
    token = out.getvalue().split("(shown once): ")[1].split()[0]
    assert get(client, token).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert get(client, token).status_code == 401
        listing = StringIO()
        call_command("token", "list", "--user", manager.username, stdout=listing)
    assert "已过期" in listing.getvalue()
    assert "从未使用" not in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", manager.username, "--days", "0")


def test_a_token_never_starts_with_a_dash_so_the_command_line_can_revoke_it(demo, monkeypatch):
    from revisit.api import models as api_models

    drawn = iter(["-dash" + "a" * 38, "_under" + "b" * 37, "Good" + "c" * 39])
    monkeypatch.setattr(api_models.secrets, "token_urlsafe", lambda n: next(drawn))
    record, token = api_models.ApiToken.issue(demo["admin"])
    assert token.startswith("Good") and record.prefix == token[:8]
    call_command("token", "revoke", record.prefix, stdout=StringIO())
    record.refresh_from_db()
    assert record.revoked_at is not None
