"""In a real browser: the front desk types a customer's email address and WeChat
recipient id on the card; the card shows the address masked; the store manager's click on
the reveal shows the full number and address (audited); the daily report's messages table
is there for the day."""

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.demo import DEMO_PASSWORD
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _person(org, role, store, name):
    staff = make_staff(org, role, store=store, name=name)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_email_typed_on_the_card_is_masked_and_revealed(browser, live_server):
    org = make_org()
    store = make_store(org)
    desk = _person(org, Role.FRONT_DESK, store, "前台小张")
    manager = _person(org, Role.STORE_MANAGER, store, "李店长")
    customer = make_customer(org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store)

    page = log_in(browser, live_server, desk.username)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("#edit-card")
    page.fill("#card-form input[name=email]", "not an address")
    page.click("#card-form button[type=submit]")
    # (The error list follows the field's paragraph: a list cannot sit inside a <p>.)
    page.wait_for_selector("#card-form .errorlist")
    assert "邮箱地址无效" in page.locator("#card-form .errorlist").inner_text()
    page.fill("#card-form input[name=email]", "laoguke@example.com")
    page.fill("#card-form input[name=wechat_openid]", "oAbc_1234567890")
    shot(page, "card-email-edit")
    page.click("#card-form button[type=submit]")
    page.wait_for_selector("#email")
    assert page.locator("#email").inner_text() == "l***@example.com"
    assert "laoguke@example.com" not in page.content()
    customer.refresh_from_db()
    assert (customer.email, customer.wechat_openid) == ("laoguke@example.com", "oAbc_1234567890")

    page = log_in(browser, live_server, manager.username)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("#phone button")
    page.wait_for_selector("#email a[href^='mailto:']")
    assert page.locator("#email").inner_text() == "laoguke@example.com"
    assert "13800000001" in page.locator("#phone").inner_text()
    shot(page, "card-email-revealed")
    assert AuditEvent.objects.filter(action="phone.reveal", target_id=str(customer.pk)).exists()
    assert Customer.objects.get(pk=customer.pk).email == "laoguke@example.com"

    page.goto(f"{live_server.url}/reports/daily/")
    assert page.locator("#messages-by-channel").is_visible()
