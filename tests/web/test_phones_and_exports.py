"""Phones are masked, reveals are audited, exports are formula-safe, masked for roles
that may not see numbers, and each export is an audit event with its row count."""

import io

import openpyxl
import pytest

from revisit.core.access import visible_customers
from revisit.core.models import AuditEvent, Role
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
    assert [r[2] for r in rows[1:]] == ["13912340000"]
    latest = AuditEvent.objects.filter(action="export").latest("id")
    assert latest.data["rows"] == 1 and latest.data["full_phones"] is True
    assert latest.actor == shop["admin"]
