"""In a real browser: an admin uploads a file of opening balances on the imports page,
checks the preview, confirms, and finds the balances in the liability report."""

import pytest

from revisit.core.models import Role
from revisit.demo import DEMO_PASSWORD
from revisit.wallet.models import Account
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS

CSV = (
    "客户编号,类型,余额/次数,有效期至,卡号,单次价值\n"
    "Q001,储值,8800,,,\n"
    "Q001,积分,1500,,,\n"
    "Q002,疗程卡,6,2030-12-31,LC-88,300\n"
    "Q002,亲情卡,2000,,FC-88,\n"
).encode("gbk")


@pytest.fixture
def admin(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"
    settings.WALLET_YUAN_PER_POINT = "0.01"
    org = make_org()
    store = make_store(org, "SH01")
    store.name = "静安店"
    store.save()
    for code in ("Q001", "Q002"):
        make_customer(org, code, home_store=store)
    staff = make_staff(org, Role.ADMIN)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_balances_uploaded_and_confirmed_show_in_the_liability_report(
    browser, live_server, admin, tmp_path
):
    upload = tmp_path / "期初余额.csv"
    upload.write_bytes(CSV)
    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "balances")
    page.set_input_files("input[name=file]", str(upload))
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/imports/*/")
    assert page.locator("#preview-rows tbody tr").count() == 4
    assert page.locator("#will-reject").count() == 0
    shot(page, "balances-preview")
    page.click("#confirm-import")
    page.wait_for_url("**/imports/runs/*/")
    assert page.locator("[data-count=imported]").inner_text() == "4"
    assert Account.objects.count() == 4
    page.click("#to-liability")
    page.wait_for_url("**/reports/liability/**")
    total = page.locator("#liability-total")
    assert total.locator("[data-figure=stored_value]").inner_text() == "8800.00"
    assert total.locator("[data-figure=points]").inner_text() == "1500"
    assert total.locator("[data-figure=points_value]").inner_text() == "15.00"
    assert total.locator("[data-figure=sessions]").inner_text() == "6"
    assert total.locator("[data-figure=sessions_value]").inner_text() == "1800.00"
    assert total.locator("[data-figure=family_card]").inner_text() == "2000.00"
    assert total.locator("[data-figure=total]").inner_text() == "12615.00"
    assert "静安店" in page.locator("#liability tbody").inner_text()
    shot(page, "liability-report")
