"""Opening balances through the imports page: upload, preview, confirm; a file with a
rejected row cannot be confirmed (all or nothing), and a store manager's file reaches
only her customers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from revisit.core.models import Role
from revisit.imports.models import ImportRun
from revisit.wallet.models import Account
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

GOOD = "客户编号,类型,余额/次数,卡号,单次价值\nW001,储值,3000,,\nW001,疗程卡,5,LC-1,200\n"
BAD = GOOD + "W404,积分,100,,\nW001,积分,-3,,\n"


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    org = make_org()
    store = make_store(org, "SH01")
    make_customer(org, "W001", home_store=store)
    make_customer(org, "W404", home_store=make_store(org, "SZ01"))  # another store's
    return make_staff(org, Role.STORE_MANAGER, store=store)


def upload(client, content: str):
    file = SimpleUploadedFile("余额.csv", content.encode("gbk"))
    return client.post("/imports/", {"kind": "balances", "file": file})


def test_upload_preview_confirm_and_see_the_liability(client, manager):
    client.force_login(manager)
    location = upload(client, GOOD)["Location"]
    preview = client.get(location)
    assert preview.context["preview"]["total"] == 2 and not preview.context["refused"]
    assert 'id="confirm-import"' in preview.content.decode()
    assert not Account.objects.exists()
    confirmed = client.post(location)
    job_page = client.get(confirmed["Location"])
    run_page = client.get(job_page["Location"])
    run = run_page.context["run"]
    assert (run.kind, run.status, run.imported) == ("balances", "done", 2)
    assert 'id="to-liability"' in run_page.content.decode()
    report = client.get("/reports/liability/").context["report"]
    assert report.total.stored_value == 3000
    assert (report.total.sessions, report.total.sessions_value) == (5, 1000)


def test_a_file_with_a_rejected_row_cannot_be_confirmed(client, manager):
    client.force_login(manager)
    location = upload(client, BAD)["Location"]
    preview = client.get(location)
    page = preview.content.decode()
    assert preview.context["refused"] and 'id="confirm-import"' not in page
    assert 'id="will-reject"' in page
    reasons = {r.row: r.reason for r in preview.context["preview"]["rejections"]}
    assert set(reasons) == {4, 5}  # W404 is another store's: the same as unknown
    assert "不在您可导入的门店" in reasons[4]
    assert client.post(location).status_code == 200  # shown again, nothing queued
    assert not Account.objects.exists() and not ImportRun.objects.exists()
