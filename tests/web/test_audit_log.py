"""The audit log page: the organization's admin reads who did what, filters it and
downloads it; nobody else reaches it; every recorded action has a label."""

import re
from pathlib import Path

import pytest

from revisit.core.audit import ACTION_LABELS, record_event
from revisit.core.models import Role
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "revisit"


@pytest.fixture
def org_people():
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN, name="管理员甲")
    manager = make_staff(org, Role.STORE_MANAGER, store=store, name="店长乙")
    customer = make_customer(org, "C-A1", name="王小美", mobile="+8613812345678", home_store=store)
    return org, admin, manager, customer


def test_viewing_and_revealing_are_listed_with_labels_and_filters(client, org_people):
    org, admin, manager, customer = org_people
    other = make_customer(org, "C-B2", name="李四", home_store=customer.home_store)
    client.force_login(manager)
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    assert client.post(f"/customers/{customer.pk}/phone/").status_code == 200
    assert client.get(f"/customers/{other.pk}/").status_code == 200
    elsewhere = make_org()
    record_event(elsewhere, actor=None, action="phone.reveal")  # another tenant's trail

    client.force_login(admin)
    page = client.get("/audit/").content.decode()
    assert "查看客户资料" in page and "查看完整号码" in page
    assert page.count('data-action="phone.reveal"') == 1  # not the other organization's
    assert "店长乙" in page and "C-A1" in page

    only = client.get("/audit/", {"customer": "C-A1"}).content.decode()
    assert "C-A1" in only and "C-B2" not in only
    reveals = client.get("/audit/", {"action": "phone.reveal", "actor": manager.pk})
    assert reveals.content.decode().count('data-action="phone.reveal"') == 1
    record_event(org, actor=admin, action="followup.record", target=customer, outcome="valid_1")
    followed = client.get("/audit/", {"action": "followup.record"}).content.decode()
    assert "有效一级" in followed and "valid_1" not in followed.split("<tbody>")[1]
    xlsx = client.get("/audit/", {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2024-02-30"},
        {"since": "2025-01-02", "until": "2025-01-01"},
        {"page": "99999999999999999999999"},
        {"actor": "abc"},
        {"customer": "x" * 500},
    ],
)
def test_bad_filters_are_explained_not_a_crash(client, org_people, query):
    _, admin, *_ = org_people
    client.force_login(admin)
    assert client.get("/audit/", query).status_code == 200


def test_only_the_admin_reaches_the_audit_log(client, org_people):
    _, _, manager, _ = org_people
    client.force_login(manager)
    assert client.get("/audit/").status_code == 403


def test_every_recorded_action_has_a_label():
    recorded = set()
    for path in SRC.rglob("*.py"):
        for line in path.read_text().splitlines():
            if "action=" in line:  # both branches of `action="a" if x else "b"` too
                recorded |= set(re.findall(r'"([a-z_]+\.[a-z_.]+|export)"', line))
    assert recorded, "the search found no recorded actions"
    missing = sorted(recorded - set(ACTION_LABELS))
    assert not missing, f"actions without a label on the audit page: {missing}"
