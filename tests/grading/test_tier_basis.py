"""Tiers by points are refused until points are recorded (no crash in the inventory)."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms import model_to_dict
from django.utils import translation

from revisit.core.models import Role, Staff
from revisit.grading.models import GradingSettings, Inventory
from revisit.grading.services import grading_settings, run_inventory
from tests.factories import log_in, make_customer, make_order, make_org, make_staff

pytestmark = pytest.mark.django_db

REFUSED = "按积分分级暂不可用"


@pytest.fixture
def org():
    org = make_org("clinic")
    make_order(make_customer(org, "K1"), "50000", on=date(2024, 6, 1))
    return org


def test_the_model_refuses_points_with_a_clear_message(org):
    settings = grading_settings(org)
    settings.tier_basis = GradingSettings.TierBasis.POINTS
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        settings.full_clean()
    assert REFUSED in caught.value.message_dict["tier_basis"][0]
    settings.tier_basis = GradingSettings.TierBasis.SHARE
    settings.full_clean()  # the other bases stay allowed


def test_the_admin_form_does_not_save_points(client, org):
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
    response = client.post(url, data, headers={"accept-language": "zh-hans"})
    assert response.status_code == 200  # the form again, with the error
    assert REFUSED in response.content.decode()
    settings.refresh_from_db()
    assert settings.tier_basis == "spend"


def test_an_inventory_refuses_points_held_in_the_database(org):
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="points")
    with translation.override("zh-hans"), pytest.raises(ValueError, match=REFUSED):
        run_inventory(org, as_of=date(2024, 6, 30))
    assert not Inventory.objects.exists()


def test_the_inventory_command_reports_it_without_a_traceback(org):
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="points")
    with translation.override("zh-hans"), pytest.raises(CommandError, match=REFUSED):
        call_command("inventory", "run", "--as-of", "2024-06-30", stdout=StringIO())


def test_the_inventory_page_explains_it(client, org):
    GradingSettings.objects.filter(pk=grading_settings(org).pk).update(tier_basis="points")
    client.force_login(make_staff(org, Role.ADMIN))
    response = client.post("/inventories/", {"as_of": "2024-06-30"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 400 and REFUSED in page  # the form, with its error
    assert "Traceback" not in page and "ValueError" not in page
    assert not Inventory.objects.exists()
