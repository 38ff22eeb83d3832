"""The roster page and the desk settings through the pages: shifts (overnight ones too),
leave and rooms added and removed, refusals shown, the settings kept by the admin."""

import pytest

from revisit.appointments.models import DeskSettings, Leave, Room, Shift
from revisit.core.models import AuditEvent, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def sh01(demo):
    return Store.objects.get(organization=demo["org"], code="SH01")


def test_a_manager_keeps_the_roster_of_her_store(client, demo, sh01):
    client.force_login(demo["manager1"])
    doctor = demo["doctor1"]
    shift = {
        "store": sh01.pk,
        "practitioner": doctor.pk,
        "weekday": "5",
        "starts": "20:00",
        "ends": "02:00",
    }
    page = client.post("/roster/shifts/", shift, follow=True).content.decode()
    assert "班次已添加" in page and "(次日)" in page
    overnight = Shift.objects.get(practitioner=doctor, weekday=5, starts__hour=20)
    assert overnight.overnight
    clash = {**shift, "weekday": "6", "starts": "00:30", "ends": "03:00"}  # Sunday 00:30
    page = client.post("/roster/shifts/", clash, follow=True).content.decode()
    assert "重叠" in page
    bad = {**shift, "starts": "25:00"}
    page = client.post("/roster/shifts/", bad, follow=True).content.decode()
    assert "时间格式为 HH:MM" in page
    client.post(f"/roster/shifts/{overnight.pk}/remove/")
    assert not Shift.objects.filter(pk=overnight.pk).exists()
    leave = {
        "store": sh01.pk,
        "practitioner": doctor.pk,
        "from_day": "2026-12-01",
        "from_time": "09:00",
        "to_day": "2026-11-30",
        "to_time": "18:00",
        "reason": "年假",
    }
    page = client.post("/roster/leave/", leave, follow=True).content.decode()
    assert "请假结束时间必须晚于开始时间" in page
    leave["to_day"] = "2026-12-02"
    client.post("/roster/leave/", leave)
    assert Leave.objects.get(practitioner=doctor).reason == "年假"
    client.post("/roster/rooms/", {"store": sh01.pk, "name": "激光室"})
    page = client.post("/roster/rooms/", {"store": sh01.pk, "name": "激光室"}, follow=True)
    assert "已有名为 激光室 的诊室" in page.content.decode()
    room = Room.objects.get(store=sh01, name="激光室")
    client.post(f"/roster/rooms/{room.pk}/remove/")
    assert not Room.objects.filter(pk=room.pk).exists()
    assert AuditEvent.objects.filter(action__in=["shift.add", "leave.add", "room.add"]).count() >= 3


def test_desk_settings_are_the_admins_to_change(client, demo):
    client.force_login(demo["manager1"])
    assert client.get("/settings/desk/").status_code == 200
    assert (
        client.post("/settings/desk/", {"wait_minutes": "5", "owner_rule": "keep"}).status_code
        == 403
    )
    client.force_login(demo["admin"])
    assert (
        client.post("/settings/desk/", {"wait_minutes": "0", "owner_rule": "keep"}).status_code
        == 400
    )
    assert (
        client.post(
            "/settings/desk/", {"wait_minutes": "99999999999999999999", "owner_rule": "keep"}
        ).status_code
        == 400
    )
    assert (
        client.post("/settings/desk/", {"wait_minutes": "30", "owner_rule": "keep"}).status_code
        == 302
    )
    settings = DeskSettings.objects.get(organization=demo["org"])
    assert (settings.wait_minutes, settings.owner_rule) == (30, "keep")
    assert AuditEvent.objects.filter(action="desk_settings.edit").exists()
