"""The referral history through the imports page: upload with Chinese headers, the
preview lists the rows it will reject with their reasons, confirming registers the rest,
and the KPI page counts them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from revisit.core.models import Role
from revisit.referrals.models import Lead
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

FILE = (
    "推荐人编号,被推荐人姓名,被推荐人手机,意向级别,建档日期,到院日期,老客同行\n"
    "R001,王女士,13900000041,一级,2025-03-01,2025-03-05,是\n"
    "R404,李女士,13900000042,一级,2025-03-01,,\n"
    "R001,赵女士,12345,一级,2025-03-01,,\n"
)


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    org = make_org()
    store = make_store(org, "SH01")
    make_customer(org, "R001", mobile="+8613800000041", home_store=store)
    make_customer(org, "R404", home_store=make_store(org, "SZ01"))  # another store's
    return make_staff(org, Role.STORE_MANAGER, store=store)


def test_upload_preview_confirm(client, manager):
    client.force_login(manager)
    assert "老带新建档" in client.get("/imports/").content.decode()
    file = SimpleUploadedFile("老带新.csv", FILE.encode("gbk"))
    location = client.post("/imports/", {"kind": "referrals", "file": file})["Location"]
    preview = client.get(location)
    reasons = {r.row: r.reason for r in preview.context["preview"]["rejections"]}
    assert set(reasons) == {3, 4}
    assert "不在您可导入的门店" in reasons[3] and "不是有效的电话号码" in reasons[4]
    assert not Lead.objects.exists()
    confirmed = client.post(location)
    run_page = client.get(client.get(confirmed["Location"])["Location"])
    run = run_page.context["run"]
    assert (run.kind, run.imported, run.rejected) == ("referrals", 1, 2)
    lead = Lead.objects.get()
    assert (lead.name, lead.attribution, lead.rule) == ("王女士", "referral", "referral")
    assert lead.registered_by == manager
