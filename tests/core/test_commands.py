"""`revisit init` and the --org default shared by data commands."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from revisit.core.access import visible_customers
from revisit.core.models import AuditEvent, Organization, Staff
from revisit.core.services import resolve_organization
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db


def test_init_creates_org_store_and_admin_with_working_one_time_password(capsys):
    call_command("init", org="meili", name="美丽医美")
    out = capsys.readouterr().out
    password = out.split("one-time password: ")[1].split()[0]
    org = Organization.objects.get(code="meili")
    assert org.stores.count() == 1
    admin = Staff.objects.get(username="meili-admin")
    assert admin.check_password(password)
    make_customer(org, "C1")
    assert visible_customers(admin).count() == 1
    assert AuditEvent.objects.filter(action="organization.create", organization=org).exists()


def test_init_refuses_an_existing_code_and_changes_nothing():
    call_command("init", org="meili", name="美丽医美")
    with pytest.raises(CommandError, match="already exists"):
        call_command("init", org="meili", name="另一个")
    assert Organization.objects.get(code="meili").name == "美丽医美"


def test_resolve_organization_defaults_to_the_only_one():
    with pytest.raises(CommandError, match="revisit init"):
        resolve_organization(None)
    only = make_org("only")
    assert resolve_organization(None) == only
    make_org("second")
    with pytest.raises(CommandError, match="--org"):
        resolve_organization(None)
    assert resolve_organization("second").code == "second"
    with pytest.raises(CommandError, match="nope"):
        resolve_organization("nope")
