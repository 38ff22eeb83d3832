"""In a real browser: the language switcher, and the product's own error pages."""

from revisit.core.models import Role
from tests.factories import make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, shot

pytestmark = BROWSER_MARKS


def test_switch_language_and_see_the_products_error_pages(browser, live_server):
    org = make_org()
    make_store(org)
    admin = make_staff(org, Role.ADMIN)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.select_option("#language-switcher select", "en")
    page.click("#language-switcher button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Log in" and page.url.endswith("/accounts/login/")
    shot(page, "login-english")
    page.select_option("#language-switcher select", "zh-hans")
    page.click("#language-switcher button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "登录"

    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", "pw-unused-123")
    page.click("form:not(#language-switcher) button[type=submit]")
    page.wait_for_load_state()
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404 and page.locator("h1").inner_text() == "页面不存在"
    shot(page, "error-404")
    response = page.goto(f"{live_server.url}/reports/daily/?day=2024-02-30")
    assert response.status == 400
    assert "“2024-02-30”不是" in page.locator("#error-400").inner_text()
    shot(page, "error-400")
    page.click("#error-400 a")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/"
