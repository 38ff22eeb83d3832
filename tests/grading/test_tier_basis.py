"""Tiers by points are allowed everywhere a basis is chosen, and run from the ledger."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.forms import model_to_dict

from revisit.core.models import Role, Staff
from revisit.grading.models import GradingSettings, Inventory
from revisit.grading.services import grading_settings
from tests.factories import log_in, make_customer, make_order, make_org, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    org = make_org("clinic")
    make_order(make_customer(org, "K1"), "50000", on=date(2024, 6, 1))
    return org


def test_the_model_accepts_every_basis(org):
    settings = grading_settings(org)
    for basis in GradingSettings.TierBasis.values:
        settings.tier_basis = basis
        settings.full_clean()


def test_the_admin_form_saves_points(client, org):
    settings = grading_settings(org)
    Staff.objects.create_superuser("root", password="pw-root-123")
    assert log_in(client, "root", "pw-root-123")
    data = {
        k: "" if v is None else v
        for k, v in model_to_dict(settings).items()
        if k not in ("id", "score_weights", "band_rules")
    }
    data.update(
        tier_basis="points",
        score_weights=json.dumps(settings.score_weights),
        band_rules="[]",
    )
    url = f"/admin/grading/gradingsettings/{settings.pk}/change/"
    assert client.post(url, data).status_code == 302
    settings.refresh_from_db()
    assert settings.tier_basis == "points"


def test_the_inventory_command_runs_by_points(org):
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="points")
    call_command("inventory", "run", "--as-of", "2024-06-30", stdout=StringIO())
    inventory = Inventory.objects.get()
    assert inventory.config["tier_basis"] == "points"
    assert inventory.tier_counts == {"C": 1}  # no points recorded: C


def test_the_inventory_page_runs_by_points(client, org):
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="points")
    client.force_login(make_staff(org, Role.ADMIN))
    response = client.post("/inventories/", {"as_of": "2024-06-30"}, follow=True)
    assert response.status_code == 200
    assert Inventory.objects.filter(config__tier_basis="points").exists()
