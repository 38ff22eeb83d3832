"""Points in a real browser: the admin turns the points program on and sets a category
rate on the settings page; an order then earns by that rule, the customer page shows
her card and balance, and the cash-back button turns points into credit."""

from datetime import date

from revisit.demo import DEMO_PASSWORD
from revisit.sales.models import Item
from revisit.wallet.models import Account, AccountKind
from revisit.wallet.points import points_settings, post_order_points
from tests.factories import Role, make_customer, make_order, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _person(org, role, **where):
    staff = make_staff(org, role, **where)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_the_admin_changes_a_points_rule_and_sees_it_applied(browser, live_server):
    org = make_org()
    store = make_store(org)
    admin = _person(org, Role.ADMIN)
    manager = _person(org, Role.STORE_MANAGER, store=store)
    suit = Item.objects.create(organization=org, code="suit", name="西装", category="正装")
    customer = make_customer(org, "K1", name="王先生", home_store=store)

    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/settings/points/")
    page.check("input[name=enabled]")
    page.fill("textarea[name=category_rates_text]", "正装=2")
    page.fill("input[name=cashback_every_points]", "500")
    page.fill("input[name=cashback_amount]", "25")
    shot(page, "settings-points")
    page.click("#settings button[type=submit]")
    page.wait_for_selector(".messages .success")
    settings = points_settings(org)
    assert settings.enabled and settings.category_rates == {"正装": "2"}

    make_order(customer, "600", on=date.today(), item=suit)
    post_order_points(org)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    assert page.locator("#points-balance").inner_text() == "1200"  # 600 × 1 × 2
    assert page.locator("#membership-status").inner_text() == "正式会员"  # ≥ 1,000
    page.locator("#card-scripts summary").click()
    assert "会员卡已办理完毕" in page.locator("#card-scripts").inner_text()
    shot(page, "customer-membership")
    page.click("#cashback-form button")
    page.wait_for_selector(".messages .success")
    assert page.locator("#points-balance").inner_text() == "200"
    credit = Account.objects.get(customer=customer, kind=AccountKind.CREDIT)
    assert credit.balance == 50
    page.select_option("#handover-form select[name=how]", "picked_up")
    page.click("#handover-form button")
    page.wait_for_selector(".messages .success")
    assert "已到店领取" in page.locator("#membership").inner_text()
    page.select_option("#membership-status-form select[name=status]", "suspended")
    page.fill("#membership-status-form input[name=reason]", "客户出国，暂停")
    page.click("#membership-status-form button")
    page.wait_for_selector(".messages .success")
    assert page.locator("#membership-status").inner_text() == "已挂失/暂停"
    page.locator("#membership-history summary").click()
    assert "客户出国，暂停" in page.locator("#membership-history").inner_text()

    reader = log_in(browser, live_server, manager.username)
    reader.goto(f"{live_server.url}/settings/points/")
    assert reader.locator("#read-only").is_visible()
    assert "正装" in reader.locator("#settings").inner_text()
