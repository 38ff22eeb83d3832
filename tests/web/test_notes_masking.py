"""Numbers written into free text stay masked for roles that may not see numbers, and a
number typed into a search stays out of the audit log of an export."""

import pytest

from revisit.api.models import ApiToken
from revisit.core.models import AuditEvent, Role
from revisit.outreach.followups import record_followup
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

NOTE = "她先生的电话 13912345678，晚上打"


@pytest.fixture
def shop():
    org = make_org()
    store = make_store(org)
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    doctor = make_staff(org, Role.PRACTITIONER, store=store)
    customer = make_customer(
        org, "C1", name="王小美", mobile="+8613812345678", home_store=store, notes=NOTE
    )
    make_order(customer, "100", practitioner=doctor)
    record_followup(customer, actor=manager, channel="call", outcome="valid_2", note=NOTE)
    return {"customer": customer, "manager": manager, "doctor": doctor}


def test_notes_are_masked_for_a_practitioner_and_whole_for_a_manager(client, shop):
    url = f"/customers/{shop['customer'].pk}/"
    client.force_login(shop["doctor"])
    page = client.get(url).content.decode()
    assert "13912345678" not in page and "139****5678" in page
    client.force_login(shop["manager"])
    assert "13912345678" in client.get(url).content.decode()


def test_the_api_masks_notes_the_same_way(client, shop):
    _, token = ApiToken.issue(shop["doctor"])
    url = f"/api/customers/{shop['customer'].pk}/followups"
    body = client.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    assert body["items"][0]["note"] == "她先生的电话 139****5678，晚上打"
    _, token = ApiToken.issue(shop["manager"])
    body = client.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    assert body["items"][0]["note"] == NOTE


def test_a_number_searched_for_is_masked_in_the_export_audit(client, shop):
    client.force_login(shop["manager"])
    client.get("/customers/", {"q": "13812345678", "export": "xlsx"})
    event = AuditEvent.objects.get(action="export")
    assert "13812345678" not in str(event.data) and "138****5678" in event.data["query"]
