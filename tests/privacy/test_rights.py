"""A customer's rights: her data exported whole, and erased (anonymized, orders kept,
files naming her deleted); both by the admin only, both audited."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from revisit.core.audit import record_event
from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer, MarketingConsent
from revisit.outreach.followups import record_followup
from revisit.sales.models import OrderLine
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "imports"
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN)
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    customer = make_customer(
        org,
        "C-7788",
        name="王小美",
        mobile="+8613812345678",
        home_store=store,
        notes="对玻尿酸过敏",
        birthday=date(1990, 3, 8),
    )
    make_order(customer, Decimal("1980.00"))
    MarketingConsent.objects.create(
        customer=customer, channel="sms", granted=True, recorded_at="2024-01-01T00:00Z"
    )
    record_followup(customer, actor=admin, channel="call", outcome="valid_2", note="想做光子嫩肤")
    record_event(org, actor=manager, action="phone.reveal", target=customer)
    return {"org": org, "admin": admin, "manager": manager, "customer": customer}


def test_the_admin_downloads_everything_held_about_her(client, setup):
    client.force_login(setup["admin"])
    customer = setup["customer"]
    body = client.get(f"/customers/{customer.pk}/personal-data/", {"format": "json"}).json()
    assert body["profile"][0]["name"] == "王小美"
    assert body["profile"][0]["notes"] == "对玻尿酸过敏"
    assert body["orders"][0]["amount"] == "1980.00"
    assert body["followups"][0]["note"] == "想做光子嫩肤"
    assert body["consents"][0]["channel"] == "sms"
    assert any(a["action"] == "phone.reveal" for a in body["access"])
    xlsx = client.get(f"/customers/{customer.pk}/personal-data/", {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert {"profile", "orders", "followups", "access"} <= set(book.sheetnames)
    assert AuditEvent.objects.filter(action="customer.export_personal_data").count() == 2
    bad = client.get(f"/customers/{customer.pk}/personal-data/", {"format": "exe"})
    assert bad.status_code == 400


def test_erasure_anonymizes_keeps_the_orders_and_deletes_files_naming_her(client, setup, settings):
    customer = setup["customer"]
    upload_dir = settings.MEDIA_ROOT / "uploads"
    upload_dir.mkdir(parents=True)
    naming = upload_dir / "客户.csv"
    naming.write_bytes("客户编号,姓名,手机\nC-7788,王小美,13812345678\n".encode("gbk"))
    other = upload_dir / "其他.csv"
    other.write_text("客户编号,姓名\nC-1,李四\n", encoding="utf-8")
    report_dir = settings.IMPORT_REPORT_DIR
    report_dir.mkdir(parents=True)
    rejects = report_dir / "run-1-rejects.csv"
    rejects.write_text("行,原因\n3,13812345678 格式\n", encoding="utf-8")

    client.force_login(setup["admin"])
    wrong = client.post(
        f"/customers/{customer.pk}/erase/", {"reason": "本人要求", "confirm_code": "x"}
    )
    assert "编号不一致" in wrong.content.decode()
    done = client.post(
        f"/customers/{customer.pk}/erase/", {"reason": "本人要求", "confirm_code": "C-7788"}
    )
    assert done.status_code == 302
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.name == "（已删除）" and customer.mobile == "" and customer.notes == ""
    assert customer.birthday is None and customer.code != "C-7788"
    assert not customer.consents.exists()
    assert customer.followups.get().note == ""
    assert OrderLine.objects.get(customer=customer).amount == Decimal("1980.00")
    assert not naming.exists() and not rejects.exists() and other.exists()
    event = AuditEvent.objects.get(action="customer.erase")
    assert event.data == {"reason": "本人要求", "count": 2}
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "王小美" not in page and "13812345678" not in page


def test_only_the_admin_and_only_in_scope(client, setup):
    customer = setup["customer"]
    client.force_login(setup["manager"])
    assert client.get(f"/customers/{customer.pk}/personal-data/").status_code == 403
    assert client.post(f"/customers/{customer.pk}/erase/").status_code == 403
    assert 'id="personal-data"' not in client.get(f"/customers/{customer.pk}/").content.decode()
    stranger = make_customer(make_org(), "X-1", name="别家")
    client.force_login(setup["admin"])
    assert client.get(f"/customers/{stranger.pk}/personal-data/").status_code == 404
    assert client.post(f"/customers/{stranger.pk}/erase/").status_code == 404
    assert 'id="personal-data"' in client.get(f"/customers/{customer.pk}/").content.decode()
