"""A store manager imports customers in a real browser: the preview marks the bad row
before anything is written, and the imported customer is then found in 客户 search."""

import pytest

from revisit.core.models import Role
from revisit.customers.models import Customer
from revisit.demo import DEMO_PASSWORD
from tests.factories import make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS

CSV = (
    "客户编号,姓名,手机,生日\n"
    "M0001,王小美,13812345678,1990-05-01\n"
    "M0002,李小红,12345,1991-06-02\n"
    "M0003,张三,13912345678,不是日期\n"
).encode()


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    org = make_org()
    store = make_store(org, "SH01")
    make_store(org, "SZ01")
    staff = make_staff(org, Role.STORE_MANAGER, store=store)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_a_store_manager_sees_the_bad_row_marked_then_finds_the_imported_customer(
    browser, live_server, manager, tmp_path
):
    upload = tmp_path / "会员.csv"
    upload.write_bytes(CSV)
    page = log_in(browser, live_server, manager.username)
    page.goto(f"{live_server.url}/imports/")
    assert page.locator("select[name=store] option").all_inner_texts() == ["门店SH01"]
    page.set_input_files("input[name=file]", str(upload))
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/imports/*/")
    marked = page.locator("#preview-rows tr.rejected")
    assert marked.count() == 1
    assert marked.get_attribute("data-row") == "3"
    assert "将被拒绝" in marked.inner_text() and "手机号无效" in marked.inner_text()
    assert "1 行将被拒绝" in page.locator("#will-reject").inner_text()
    assert "生日不是有效日期" in page.locator("#preview-warnings").inner_text()
    assert "门店SH01" in page.locator("#import-store").inner_text()
    shot(page, "import-preview-marked")
    assert not Customer.objects.exists()

    page.click("#confirm-import")
    page.wait_for_url("**/imports/runs/*/")
    assert page.locator("[data-count=imported]").inner_text() == "2"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    shot(page, "import-result")

    page.click("nav >> text=客户")
    page.wait_for_url("**/customers/")
    page.fill("input[name=q]", "M0001")
    page.click("form.filters button[type=submit]")
    row = page.locator("#results tr", has_text="M0001")
    row.wait_for()
    assert "王小美" in row.inner_text() and "门店SH01" in row.inner_text()
    shot(page, "import-customer-found")
