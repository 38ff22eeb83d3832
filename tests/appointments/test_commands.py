"""`revisit appointments` and `revisit shifts`: the same services and scope as the pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from revisit.appointments.models import Appointment, Consultation, Shift
from revisit.core.clock import local_date
from tests.appointments.conftest import MONDAY
from tests.factories import make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_book_refuse_arrive_consult_and_report_from_the_command_line(desk):
    org, store, manager = desk["org"], desk["store"], desk["manager"]
    common = ["--staff", manager.username, "--org", org.code]
    with pytest.raises(CommandError, match="排班|shift"):
        run(
            "appointments",
            "book",
            *common,
            "--store",
            store.code,
            "--customer",
            "K1",
            "--at",
            f"{MONDAY} 19:00",
            "--practitioner",
            desk["doctor"].username,
        )
    out = run(
        "appointments",
        "book",
        *common,
        "--store",
        store.code,
        "--customer",
        "K1",
        "--at",
        f"{MONDAY} 10:00",
        "--practitioner",
        desk["doctor"].username,
    )
    appointment = Appointment.objects.get()
    assert f"#{appointment.pk}" in out
    assert "已预约" in out
    listed = run("appointments", "list", *common, "--store", store.code, "--date", str(MONDAY))
    assert "138****5678" in listed and "13812345678" not in listed
    run("appointments", "transition", *common, "--id", str(appointment.pk), "--to", "arrived")
    with pytest.raises(CommandError, match="不能"):
        run("appointments", "transition", *common, "--id", str(appointment.pk), "--to", "confirmed")
    run(
        "appointments",
        "consultation",
        *common,
        "--id",
        str(appointment.pk),
        "--consultant",
        desk["consultant"].username,
        "--result",
        "no_deal",
        "--reason",
        "time",
    )
    consultation = Consultation.objects.get()
    assert consultation.no_deal_reason == "time"
    held_on = local_date(org, consultation.held_at)
    report = run("appointments", "report", *common, "--date", str(held_on))
    assert "甲咨询: 接诊 1 成交 0" in report
    with pytest.raises(CommandError):
        run("appointments", "list", *common, "--store", "NOPE")
    with pytest.raises(CommandError, match="YYYY"):
        run(
            "appointments",
            "book",
            *common,
            "--store",
            store.code,
            "--customer",
            "K1",
            "--at",
            "tomorrow",
        )


def test_shifts_from_the_command_line_and_scope(desk):
    org, store, manager = desk["org"], desk["store"], desk["manager"]
    common = ["--staff", manager.username, "--org", org.code]
    with pytest.raises(CommandError, match="重叠|overlap"):
        run(
            "shifts",
            "add",
            *common,
            "--store",
            store.code,
            "--practitioner",
            desk["doctor"].username,
            "--weekday",
            "5",
            "--from",
            "01:00",
            "--to",
            "03:00",
        )
    out = run(
        "shifts",
        "add",
        *common,
        "--store",
        store.code,
        "--practitioner",
        desk["doctor"].username,
        "--weekday",
        "5",
        "--from",
        "02:00",
        "--to",
        "08:00",
    )
    assert "已添加" in out
    assert Shift.objects.filter(store=store).count() == 3
    other_org = make_org()
    stranger = make_staff(other_org, "store_manager", store=make_store(other_org, "Z"))
    shift = Shift.objects.filter(store=store).first()
    with pytest.raises(CommandError):
        run(
            "shifts",
            "remove",
            "--staff",
            stranger.username,
            "--org",
            other_org.code,
            "--id",
            str(shift.pk),
        )
    with pytest.raises(CommandError):
        run(
            "shifts",
            "remove",
            "--staff",
            desk["consultant"].username,
            "--org",
            org.code,
            "--id",
            str(shift.pk),
        )
    run("shifts", "remove", *common, "--id", str(shift.pk))
    assert not Shift.objects.filter(pk=shift.pk).exists()
