"""Phones are masked, reveals are audited, exports are formula-safe and masked for every
role; full numbers are a separate choice for admins and store managers, with a reason;
each export is an audit event with its row count."""

import io
from datetime import date

import openpyxl
import pytest

from revisit.core.access import visible_customers
from revisit.core.models import AuditEvent, Role
from revisit.grading.models import Grade, Inventory
from revisit.outreach.models import CallTask
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    org = make_org()
    store = make_store(org)
    customers = [
        make_customer(
            org, "C1", name='=HYPERLINK("http://x")', mobile="+8613812345678", home_store=store
        ),
        make_customer(org, "C2", name="李四", mobile="+8613912340000", home_store=store),
    ]
    return {
        "org": org,
        "customers": customers,
        "admin": make_staff(org, Role.ADMIN),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store),
        "doctor": make_staff(org, Role.PRACTITIONER, store=store),
    }


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_pages_show_masked_numbers_and_a_reveal_is_audited(client, shop):
    client.force_login(shop["manager"])
    c = shop["customers"][0]
    page = client.get(f"/customers/{c.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    revealed = client.post(f"/customers/{c.pk}/phone/")
    assert revealed.status_code == 200 and "13812345678" in revealed.content.decode()
    event = AuditEvent.objects.get(action="phone.reveal")
    assert event.actor == shop["manager"] and event.target_id == str(c.pk)


def test_a_role_without_the_reveal_permission_cannot_reveal(client, shop):
    c = shop["customers"][1]
    make_order(c, "100", practitioner=shop["doctor"])
    assert c in visible_customers(shop["doctor"])
    client.force_login(shop["doctor"])
    assert client.get(f"/customers/{c.pk}/").status_code == 200
    assert client.post(f"/customers/{c.pk}/phone/").status_code == 403
    assert not AuditEvent.objects.filter(action="phone.reveal").exists()


def test_exports_escape_formulas_mask_phones_by_role_and_are_audited(client, shop):
    client.force_login(shop["doctor"])
    for c in shop["customers"]:
        make_order(c, "100", practitioner=shop["doctor"])
    rows = workbook(client.get("/customers/", {"export": "xlsx"}))
    assert rows[0][:3] == ["客户编号", "姓名", "手机"] or rows[0][:3] == ["Code", "Name", "Mobile"]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["C1"][1] == '\'=HYPERLINK("http://x")'
    assert by_code["C1"][2] == "138****5678"
    event = AuditEvent.objects.get(action="export")
    assert event.data["rows"] == 2 and event.data["full_phones"] is False

    client.force_login(shop["admin"])
    rows = workbook(client.get("/customers/", {"export": "xlsx", "q": "C2"}))
    assert [r[2] for r in rows[1:]] == ["139****0000"]
    latest = AuditEvent.objects.filter(action="export").latest("id")
    assert latest.data["rows"] == 1 and latest.data["full_phones"] is False


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_full_numbers_are_a_separate_choice_with_a_reason_that_is_audited(client, shop, role):
    client.force_login(shop[role])
    page = client.get("/customers/", {"q": "C2"}).content.decode()
    assert 'name="reason"' in page and 'action="/customers/?q=C2&amp;export=xlsx"' in page
    # Asking for full numbers by the address alone gives masked ones.
    rows = workbook(client.get("/customers/", {"export": "xlsx", "q": "C2", "phones": "full"}))
    assert [r[2] for r in rows[1:]] == ["139****0000"]
    rows = workbook(
        client.post(
            "/customers/?q=C2&export=xlsx", {"phones": "full", "reason": "门店周年庆电话邀约"}
        )
    )
    assert [r[2] for r in rows[1:]] == ["13912340000"]
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.actor == shop[role] and event.data["full_phones"] is True
    assert event.data["reason"] == "门店周年庆电话邀约" and event.data["rows"] == 1


def test_a_full_number_export_without_a_reason_is_refused_with_a_message(client, shop):
    client.force_login(shop["manager"])
    response = client.post("/customers/?q=C2&export=xlsx", {"phones": "full", "reason": "  "})
    assert response.status_code == 302 and response["Location"] == "/customers/?q=C2"
    page = client.get(response["Location"]).content.decode()
    assert "请填写导出完整号码的原因。" in page
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CALLER])
def test_consultants_and_callers_reveal_one_number_but_export_masked_only(client, shop, role):
    staff = make_staff(shop["org"], role, store=shop["customers"][0].home_store)
    for c in shop["customers"]:  # her own customers, and on her call list
        c.owner = staff
        c.save()
        CallTask.objects.create(
            organization=shop["org"], customer=c, assignee=staff, due_date=date(2024, 5, 6)
        )
    client.force_login(staff)
    page = client.get("/customers/").content.decode()
    assert 'name="reason"' not in page
    assert client.post(f"/customers/{shop['customers'][1].pk}/phone/").status_code == 200
    response = client.post("/customers/?export=xlsx", {"phones": "full", "reason": "想要"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_moved_customers_table_offers_the_full_number_export_too(client, shop):
    before = Inventory.objects.create(organization=shop["org"], as_of=date(2024, 3, 31))
    after = Inventory.objects.create(organization=shop["org"], as_of=date(2024, 6, 30))
    c2 = shop["customers"][1]
    Grade.objects.create(inventory=before, customer=c2, segment="A1", tier="A")
    Grade.objects.create(inventory=after, customer=c2, segment="A4", tier="A")
    client.force_login(shop["manager"])
    url = f"/inventories/{after.pk}/moved/?from={before.pk}&from_class=A1&to_class=A4"
    page = client.get(url).content.decode()
    assert 'name="reason"' in page
    rows = workbook(client.get(url + "&export=xlsx"))
    assert [r[2] for r in rows[1:]] == ["139****0000"]
    rows = workbook(client.post(url + "&export=xlsx", {"phones": "full", "reason": "挽留回访"}))
    assert [r[2] for r in rows[1:]] == ["13912340000"]
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.data["reason"] == "挽留回访" and event.data["full_phones"] is True
