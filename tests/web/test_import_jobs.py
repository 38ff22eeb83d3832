"""A confirmed import runs in the background worker: the confirmation only queues it and
shows a waiting page, which then goes to the import run's page or says why it failed."""

import pytest
from huey.contrib.djhuey import HUEY

from revisit.core.jobs import record_progress
from revisit.core.models import Job, Role
from revisit.customers.models import Customer
from revisit.imports.errors import FileRefused
from revisit.imports.models import ImportRun
from revisit.imports.tasks import IMPORT_JOB, import_in_background, import_job
from tests.factories import make_org, make_staff, make_store
from tests.web.test_import_pages import upload_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    org = make_org()
    return make_staff(org, Role.STORE_MANAGER, store=make_store(org))


@pytest.fixture
def queued_only():
    """Tasks wait in the queue as they do for a real worker."""
    HUEY.immediate = False
    yield
    HUEY.flush()  # this state folder's queue: nothing left for a later worker
    HUEY.immediate = True


def uploads(settings):
    return sorted(p.name for p in (settings.MEDIA_ROOT / "uploads").rglob("*") if p.is_file())


def preview_and_confirm(client):
    location = upload_to(client)["Location"]
    columns = client.get(location).context["columns"]
    mapping = {f"col_{c['index']}": c["field"] for c in columns}
    return location, mapping, client.post(location, mapping)


def test_the_confirmation_queues_a_job_and_the_worker_imports(
    client, manager, settings, queued_only
):
    client.force_login(manager)
    location, mapping, confirmed = preview_and_confirm(client)
    assert confirmed.status_code == 302 and "/imports/jobs/" in confirmed["Location"]
    job = Job.objects.get()
    assert (job.kind, job.status, job.started_by) == (IMPORT_JOB, Job.Status.QUEUED, manager)
    # The request imported nothing; the file waits on disk for the worker.
    assert not ImportRun.objects.exists() and not Customer.objects.exists()
    assert len(uploads(settings)) == 1
    waiting = client.get(confirmed["Location"])
    assert waiting.status_code == 200 and "正在排队" in waiting.content.decode()
    assert client.get(confirmed["Location"], HTTP_HX_REQUEST="true").status_code == 200

    import_job.call_local(job.pk)

    job.refresh_from_db()
    run = ImportRun.objects.get()
    assert job.status == Job.Status.DONE and job.result == {"run_id": run.pk}
    assert (run.read, run.imported, run.rejected) == (3, 2, 1)
    assert set(Customer.objects.values_list("code", flat=True)) == {"K001", "K003"}
    assert uploads(settings) == []  # deleted once imported
    polled = client.get(confirmed["Location"], HTTP_HX_REQUEST="true")
    assert polled["HX-Redirect"] == f"/imports/runs/{run.pk}/"
    done = client.get(confirmed["Location"], follow=True)
    assert done.redirect_chain[-1][0] == f"/imports/runs/{run.pk}/"
    assert "读取 3 行，新增 2" in done.content.decode()


def test_the_waiting_page_says_how_far_the_import_is(client, manager, queued_only):
    client.force_login(manager)
    _, _, confirmed = preview_and_confirm(client)
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    record_progress(job.pk, {"phase": "reading", "rows": 0})
    assert "正在读取文件" in client.get(confirmed["Location"]).content.decode()
    record_progress(job.pk, {"phase": "importing", "rows": 3})
    page = client.get(confirmed["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="import-progress"' in page and "正在检查并写入 3 行" in page


def test_a_failed_import_shows_why_on_the_waiting_page(client, manager, settings, queued_only):
    client.force_login(manager)
    _, _, confirmed = preview_and_confirm(client)
    settings.IMPORT_MAX_ROWS = 2  # the limit was lowered after the file was checked
    job = Job.objects.get()
    with pytest.raises(FileRefused):
        import_job.call_local(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert client.get(confirmed["Location"], HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    page = client.get(confirmed["Location"])
    assert page.status_code == 200
    error = page.context["error"]
    assert "文件超过 2 行数据" in error and error in page.content.decode()
    assert 'id="import-error"' in page.content.decode()
    assert not Customer.objects.exists() and uploads(settings) == []


def test_confirming_the_same_upload_twice_makes_one_job(client, manager, queued_only):
    client.force_login(manager)
    location, mapping, first = preview_and_confirm(client)
    second = client.post(location, mapping)  # a double click
    assert second["Location"] == first["Location"]
    assert client.get(location)["Location"] == first["Location"]  # a reload of the preview
    assert Job.objects.count() == 1
    # Two requests racing past the session still find the upload's job.
    job = Job.objects.get()
    again = import_in_background(
        organization_id=manager.organization_id,
        actor_id=manager.pk,
        store_id=None,
        path=job.args["path"],
        kind="customers",
        mapping=None,
        name="会员.csv",
    )
    assert again == job and Job.objects.count() == 1


def test_the_confirmation_done_at_once_goes_on_to_the_run(client, manager):
    client.force_login(manager)
    location, mapping, first = preview_and_confirm(client)
    assert client.post(location, mapping)["Location"] == first["Location"]
    assert Job.objects.count() == 1 and ImportRun.objects.count() == 1


def test_another_users_import_job_is_not_found(client, manager, queued_only):
    client.force_login(manager)
    _, _, confirmed = preview_and_confirm(client)
    url = confirmed["Location"]
    colleague = make_staff(
        manager.organization, Role.STORE_MANAGER, store=make_store(manager.organization, "S2")
    )
    stranger_org = make_org("other")
    stranger = make_staff(stranger_org, Role.ADMIN)
    for someone in (colleague, stranger):
        client.force_login(someone)
        assert client.get(url).status_code == 404
    client.force_login(make_staff(manager.organization, Role.ADMIN))
    assert client.get(url).status_code == 200  # the organization's admin follows every job
    for bad in ("/imports/jobs/999999/", "/imports/jobs/abc/", f"/imports/jobs/{'9' * 19}/"):
        assert client.get(bad).status_code == 404


def test_an_inventory_job_is_not_an_import_job(client, manager):
    admin = make_staff(manager.organization, Role.ADMIN)
    job = Job.objects.create(kind="inventory", organization=manager.organization)
    client.force_login(admin)
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 404
