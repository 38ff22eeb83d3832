"""`revisit messages queue` and `revisit messages send-due`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from revisit.grading.models import Grade, Inventory
from revisit.messaging.models import Message, MessagingSettings
from revisit.messaging.rules import messaging_settings

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("messages", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def anytime(shopfront):
    messaging_settings(shopfront["org"])
    MessagingSettings.objects.filter(organization=shopfront["org"]).update(
        quiet_start="00:00", quiet_end="00:00"
    )
    return shopfront


def test_queue_by_tier_dry_run_then_for_real_then_send(anytime):
    org, admin = anytime["org"], anytime["admin"]
    base = ["queue", "--org", org.code, "--template", "春节", "--staff", admin.username]
    out = _run(*base, "--tier", "A", "--tier", "B", "--dry-run")
    assert "将发送 2 / 2" in out and not Message.objects.exists()
    out = _run(*base)
    assert "已排队 2 / 3" in out and "无授权 1" in out
    assert "sent 2" in _run("send-due")
    assert Message.objects.filter(status="sent").count() == 2


def test_queue_by_segment_uses_the_current_inventory(anytime):
    org, admin = anytime["org"], anytime["admin"]
    inventory = Inventory.objects.create(organization=org, as_of="2026-05-01", status="published")
    Grade.objects.create(inventory=inventory, customer=anytime["elsewhere"], segment="A1")
    out = _run(
        "queue",
        "--org",
        org.code,
        "--template",
        "春节",
        "--staff",
        admin.username,
        "--segment",
        "A1",
    )
    assert "已排队 1 / 1" in out
    assert Message.objects.get().customer == anytime["elsewhere"]


def test_unknown_template_or_missing_values_are_clear_errors(anytime):
    org, admin = anytime["org"], anytime["admin"]
    with pytest.raises(CommandError):
        _run("queue", "--org", org.code, "--template", "无此模板", "--staff", admin.username)
    out = _run("queue", "--org", org.code, "--template", "积分通知", "--staff", admin.username)
    assert "无法生成 3" in out and "{amount}" in out
