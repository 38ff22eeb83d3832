"""Imports through the browser: upload, check the columns, adjust, confirm, read the
counts and download the rejected rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from tests.factories import make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

CSV = (
    "客户编号,姓名,手机,生日,备用字段\n"
    "K001,王小美,13812345678,1990-05-01,x\n"
    "K002,李小红,12345,1991/6/2,y\n"
    "K003,张三,13912345678,1992年7月3日,z\n"
).encode("gbk")


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    org = make_org()
    store = make_store(org)
    return make_staff(org, Role.STORE_MANAGER, store=store)


def upload(client, content=CSV, name="会员.csv", kind="customers"):
    return client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_upload_preview_confirm_and_the_rejected_row_is_listed(client, manager):
    client.force_login(manager)
    response = upload(client)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    columns = {c["header"]: c["field"] for c in preview.context["columns"]}
    assert columns == {
        "客户编号": "customer_code",
        "姓名": "name",
        "手机": "phone",
        "生日": "birthday",
        "备用字段": "",
    }
    assert preview.context["preview"]["total"] == 3
    assert not Customer.objects.exists()  # nothing written before the confirmation
    mapping = {f"col_{c['index']}": c["field"] for c in preview.context["columns"]}
    done = client.post(response["Location"], mapping)
    assert done.status_code == 302 and "/imports/jobs/" in done["Location"]
    run_url = run_of(client, done)
    run_page = client.get(run_url)
    run = run_page.context["run"]
    assert (run.read, run.imported, run.rejected) == (3, 2, 1)
    html = run_page.content.decode()
    assert 'id="rejects"' in html and "<td>3</td>" in html  # row 3 of the file: K002
    assert set(Customer.objects.values_list("code", flat=True)) == {"K001", "K003"}
    rejects = client.get(f"{run_url}rejects/")
    body = b"".join(rejects.streaming_content).decode("utf-8-sig")
    assert "K002" in body or "12345" in body
    assert AuditEvent.objects.filter(action="export", data__table="import-rejects").exists()


def test_the_mapping_can_be_changed_before_importing(client, manager):
    client.force_login(manager)
    location = upload(client)["Location"]
    columns = client.get(location).context["columns"]
    mapping = {f"col_{c['index']}": c["field"] for c in columns}
    name_index = next(c["index"] for c in columns if c["header"] == "姓名")
    mapping[f"col_{name_index}"] = ""  # ignore the name column
    preview = client.get(location, mapping)
    assert "name" not in preview.context["preview"]["columns"].values()
    client.post(location, mapping)
    assert set(Customer.objects.values_list("name", flat=True)) == {""}


def test_a_file_missing_a_required_column_explains_itself_and_imports_nothing(client, manager):
    client.force_login(manager)
    location = upload(client, "姓名,手机\n王小美,13812345678\n".encode())["Location"]
    page = client.get(location)
    assert "缺少必需的列" in page.content.decode()
    client.post(location, {})
    assert not Customer.objects.exists()


def test_other_files_are_refused(client, manager):
    client.force_login(manager)
    response = upload(client, b"MZ\x90\x00", name="virus.exe")
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_a_consultant_cannot_import(client, manager):
    consultant = make_staff(
        manager.organization, Role.CONSULTANT, store=manager.organization.stores.get()
    )
    client.force_login(consultant)
    assert upload(client).status_code == 403


def run_of(client, confirmed):
    """The import run's page the confirmation's job page leads to (the job ran at once)."""
    job_page = client.get(confirmed["Location"])
    assert job_page.status_code == 302, "the import job is not done"
    assert "/imports/runs/" in job_page["Location"]
    return job_page["Location"]


def confirm_upload(client, content=CSV, **extra):
    location = upload_to(client, content, **extra)["Location"]
    columns = client.get(location).context["columns"]
    return client.post(location, {f"col_{c['index']}": c["field"] for c in columns})


def upload_to(client, content=CSV, **extra):
    data = {"kind": "customers", "file": SimpleUploadedFile("会员.csv", content)} | extra
    return client.post("/imports/", data)


def test_the_preview_marks_the_rows_that_will_be_rejected_and_why(client, manager):
    client.force_login(manager)
    page = client.get(upload(client)["Location"])
    assert page.context["preview"]["problems"] == {3: ["手机号无效 (not a valid phone number)"]}
    html = page.content.decode()
    assert 'id="will-reject"' in html and 'data-row="3" class="rejected"' in html
    assert not Customer.objects.exists()


def test_a_store_managers_import_lands_in_her_store(client, manager):
    client.force_login(manager)
    assert upload_to(client).status_code == 302  # her only store is preselected
    store = manager.organization.stores.get()
    other = make_store(manager.organization, "S2")
    refused = upload_to(client, store=other.pk)
    assert refused.status_code == 200 and refused.context["form"].errors["store"]
    confirm_upload(client, store=store.pk)
    assert set(Customer.objects.values_list("home_store", flat=True)) == {store.pk}
    page = client.get("/customers/", {"q": "K001"})
    assert "王小美" in page.content.decode()


def test_an_admin_chooses_the_store_on_the_upload_page(client, manager):
    admin = make_staff(manager.organization, Role.ADMIN)
    other = make_store(manager.organization, "S2")
    client.force_login(admin)
    confirm_upload(client, store=other.pk)
    assert set(Customer.objects.values_list("home_store", flat=True)) == {other.pk}


def test_a_store_manager_reads_only_her_stores_import_runs(client, manager):
    other_store = make_store(manager.organization, "S2")
    other_manager = make_staff(manager.organization, Role.STORE_MANAGER, store=other_store)
    client.force_login(other_manager)
    theirs = run_of(client, confirm_upload(client))
    client.force_login(manager)
    assert client.get(theirs).status_code == 404
    assert client.get(f"{theirs}rejects/").status_code == 404
    assert client.get("/imports/runs/999999/").status_code == 404
    assert not client.get("/imports/").context["runs"]
    client.force_login(make_staff(manager.organization, Role.ADMIN))
    assert client.get(theirs).status_code == 200
