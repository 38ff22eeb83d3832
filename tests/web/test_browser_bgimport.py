"""A confirmed import waits for the background worker in a real browser: the waiting page
says it is queued, then moves on by itself to the import run once the worker is done, or
shows why the import failed."""

import pytest
from huey.contrib.djhuey import HUEY

from revisit.core.models import Job, Role
from revisit.demo import DEMO_PASSWORD
from revisit.imports.errors import FileRefused
from revisit.imports.tasks import import_job
from tests.factories import make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS

CSV = "客户编号,姓名,手机\nB0001,王小美,13812345678\nB0002,李小红,12345\n".encode()


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    org = make_org()
    staff = make_staff(org, Role.STORE_MANAGER, store=make_store(org, "SH01"))
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


@pytest.fixture
def queued_only():
    HUEY.immediate = False
    yield
    HUEY.flush()
    HUEY.immediate = True


def confirm(browser, live_server, manager, tmp_path):
    upload = tmp_path / "会员.csv"
    upload.write_bytes(CSV)
    page = log_in(browser, live_server, manager.username)
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("input[name=file]", str(upload))
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/imports/*/")
    page.click("#confirm-import")
    page.wait_for_url("**/imports/jobs/*/")
    assert "正在排队" in page.locator("#import-progress").inner_text()
    return page, Job.objects.get()


def test_the_waiting_page_moves_on_to_the_run_when_the_worker_is_done(
    browser, live_server, manager, tmp_path, queued_only
):
    page, job = confirm(browser, live_server, manager, tmp_path)
    shot(page, "import-waiting")
    import_job.call_local(job.pk)
    page.wait_for_url("**/imports/runs/*/")
    assert page.locator("[data-count=imported]").inner_text() == "1"
    assert page.locator("[data-count=rejected]").inner_text() == "1"


def test_the_waiting_page_shows_why_the_import_failed(
    browser, live_server, manager, tmp_path, settings, queued_only
):
    page, job = confirm(browser, live_server, manager, tmp_path)
    settings.IMPORT_MAX_ROWS = 1
    with pytest.raises(FileRefused):
        import_job.call_local(job.pk)
    page.locator("#import-error").wait_for()
    assert "文件超过 1 行数据" in page.locator("#import-error").inner_text()
    assert "导入失败" in page.locator("h1").inner_text()
    shot(page, "import-failed")
