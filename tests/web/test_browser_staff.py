"""In a real browser: the admin creates an account, the new person logs in with the
one-time password, is made to choose her own, and lands on her queue."""

from revisit.core.models import Role, Staff
from revisit.demo import DEMO_PASSWORD
from tests.factories import make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_admin_creates_an_account_and_the_newcomer_sets_her_password(browser, live_server):
    org = make_org()
    store = make_store(org, "S1")
    admin = make_staff(org, Role.ADMIN, name="管理员")
    admin.set_password(DEMO_PASSWORD)
    admin.save()

    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/staff/")
    shot(page, "staff")
    page.click("#new-staff")
    page.fill("input[name=username]", "xiaoli")
    page.fill("input[name=display_name]", "小李")
    page.select_option("select[name=role]", Role.CONSULTANT)
    page.select_option("select[name=store]", str(store.pk))
    shot(page, "staff-new")
    page.click("#staff-form button[type=submit]")
    password = page.locator("#one-time-password").inner_text()
    shot(page, "staff-one-time-password")
    assert len(password) >= 10

    newcomer = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    newcomer.goto(f"{live_server.url}/accounts/login/")
    newcomer.fill("input[name=username]", "xiaoli")
    newcomer.fill("input[name=password]", password)
    newcomer.click("main button[type=submit]")
    newcomer.wait_for_url("**/accounts/password/")
    shot(newcomer, "password-change-forced")
    newcomer.fill("input[name=old_password]", password)
    newcomer.fill("input[name=new_password1]", "Qingshui-2468")
    newcomer.fill("input[name=new_password2]", "Qingshui-2468")
    newcomer.click("#password-change button[type=submit]")
    newcomer.wait_for_url("**/queue/")
    assert "密码已修改" in newcomer.content()
    assert not Staff.objects.get(username="xiaoli").must_change_password
