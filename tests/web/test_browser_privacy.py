"""In a real browser, the admin's personal-data controls: record a consent, filter the
audit log, erase a customer; and on the staff pages reset a password and disable an
account."""

from revisit.core.models import Role, Staff
from revisit.customers.models import Customer, MarketingConsent
from revisit.demo import DEMO_PASSWORD
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _shop():
    org = make_org()
    store = make_store(org)
    admin = make_staff(org, Role.ADMIN, name="管理员")
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    consultant = make_staff(org, Role.CONSULTANT, store=store, name="顾问甲")
    customer = make_customer(
        org, "C-7788", name="王小美", mobile="+8613812345678", home_store=store
    )
    return admin, consultant, customer


def test_consent_audit_filter_and_erasure(browser, live_server):
    admin, _, customer = _shop()
    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("text=记录营销同意")
    form = page.locator("#consent-form")
    form.locator("select[name=channel]").select_option("sms")
    form.locator("select[name=granted]").select_option("0")
    form.locator("input[name=source]").fill("电话中本人要求")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#consents .badge.bad")
    assert "短信" in page.locator("#consents").inner_text()
    assert not MarketingConsent.objects.get(customer=customer, channel="sms").granted

    page.goto(f"{live_server.url}/audit/")
    page.select_option("#audit-filter select[name=action]", "consent.set")
    page.click("#audit-filter button[type=submit]")
    page.wait_for_url("**/audit/?*")
    actions = page.locator("#audit-events td[data-action]").all_inner_texts()
    assert actions and set(actions) == {"记录营销同意"}
    shot(page, "audit-filtered")

    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("#personal-data >> text=删除个人信息")
    page.fill("#erase-form input[name=reason]", "本人要求")
    page.fill("#erase-form input[name=confirm_code]", "C-7788")
    shot(page, "erase")
    page.click("#erase-form button[type=submit]")
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert "（已删除）" in page.locator("h1").inner_text()
    assert Customer.objects.get(pk=customer.pk).mobile == ""


def test_reset_a_password_and_disable_an_account(browser, live_server):
    admin, consultant, _ = _shop()
    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/staff/{consultant.pk}/")
    page.click("#reset-password button[type=submit]")
    assert len(page.locator("#one-time-password").inner_text()) >= 10
    page.goto(f"{live_server.url}/staff/{consultant.pk}/")
    page.fill("#set-active input[name=reason]", "离职")
    page.click("#set-active button[type=submit]")
    page.wait_for_selector("h1 .badge.bad")
    shot(page, "staff-disabled")
    person = Staff.objects.get(pk=consultant.pk)
    assert not person.is_active and person.must_change_password
