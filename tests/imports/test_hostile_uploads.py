"""Hostile files and bodies through the web upload: a clear message on the page in the
user's language, the server answering, and nothing kept (no upload, no customers)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from revisit.core.models import Role
from revisit.customers.models import Customer
from revisit.imports.models import ImportRun
from tests.factories import make_org, make_staff, make_store
from tests.imports import hostile_files as hostile

pytestmark = pytest.mark.django_db

HUGE = str(250 * 1024 * 1024)


@pytest.fixture
def admin(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    org = make_org()
    make_store(org)
    return make_staff(org, Role.ADMIN)


def stored_uploads(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def upload(client, path: Path, **headers):
    file = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post("/imports/", {"kind": "customers", "file": file}, **headers)


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (hostile.dimension_bomb, "bomb.xlsx", "文件超过 1,000,000 行数据"),
        (hostile.xml_bomb, "xml.xlsx", "Excel 文件解压后超过 512 MB"),
        (hostile.million_column_csv, "wide.csv", "文件超过 200 列"),
    ],
)
def test_a_hostile_file_is_refused_on_the_preview_and_nothing_is_kept(
    client, admin, settings, tmp_path, make, name, message
):
    client.force_login(admin)
    response = upload(client, make(tmp_path / name))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert message in preview.context["error"] and message in preview.content.decode()
    assert stored_uploads(settings) == []
    # The upload is gone from the session too: the page cannot be replayed.
    assert client.get(response["Location"]).status_code == 404
    assert client.post(response["Location"], {}).status_code == 404
    assert not Customer.objects.exists() and not ImportRun.objects.exists()
    assert client.get("/imports/").status_code == 200  # still serving


def test_the_refusal_is_in_english_for_an_english_user(client, admin, tmp_path):
    client.force_login(admin)
    path = hostile.dimension_bomb(tmp_path / "bomb.xlsx")
    response = upload(client, path, HTTP_ACCEPT_LANGUAGE="en")
    preview = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "more than 1,000,000 data rows" in preview.context["error"]


def test_a_file_over_the_size_limit_is_refused_on_the_upload_form(
    client, admin, settings, tmp_path
):
    settings.IMPORT_MAX_FILE_BYTES = 1024 * 1024
    client.force_login(admin)
    path = tmp_path / "big.csv"
    path.write_bytes(("客户编号,姓名\n" + "K001,王小美\n" * 120_000).encode())
    response = upload(client, path)
    assert response.status_code == 200
    assert "文件超过 1 MB" in str(response.context["form"].errors["file"])
    assert stored_uploads(settings) == []


def test_an_anonymous_large_body_is_refused_without_being_read(settings):
    # The body is declared 250 MB and is 3 bytes: reading it (as the CSRF check of a POST
    # does) would fail the test client.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/imports/", b"abc", content_type="application/octet-stream", CONTENT_LENGTH=HUGE
    )
    assert response.status_code == 413 and "请求内容过大" in response.content.decode()
    login = client.post("/accounts/login/", b"abc", content_type="text/plain", CONTENT_LENGTH=HUGE)
    assert login.status_code == 413
    assert client.get("/accounts/login/").status_code == 200


def test_a_signed_in_body_over_the_file_limit_is_refused_without_being_read(admin, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(
        "/imports/", b"abc", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=HUGE
    )
    assert response.status_code == 413 and "文件超过 200 MB" in response.content.decode()
    assert stored_uploads(settings) == []


def test_nul_bytes_through_the_web_import_with_a_warning(client, admin, settings, tmp_path):
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    client.force_login(admin)
    response = upload(client, hostile.nul_csv(tmp_path / "nul.csv", padding_rows=10))
    preview = client.get(response["Location"])
    mapping = {f"col_{c['index']}": c["field"] for c in preview.context["columns"]}
    done = client.post(response["Location"], mapping)
    assert done.status_code == 302
    run = ImportRun.objects.get()
    assert (run.read, run.imported, run.rejected) == (13, 13, 0)
    assert Customer.objects.get(code="K001").name == "王小美"
    assert "控制字符" in Path(run.rejects_path).read_text(encoding="utf-8-sig")
    assert stored_uploads(settings) == []
