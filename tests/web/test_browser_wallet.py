"""The cashier page in a real browser: a store manager finds her customer, tops up 10 000
and sees 11 000 with the bonus, spends 2 000, and finds the balance on the customer
page's wallet panel."""

from decimal import Decimal

import pytest

from revisit.core.models import Store
from revisit.customers.models import Customer
from revisit.wallet.models import AccountKind, EntryKind
from revisit.wallet.stored_value import set_bonus_rules
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


@pytest.fixture
def till(demo_live):
    org = demo_live
    set_bonus_rules(org, [(Decimal("10000"), Decimal("1000"))], actor=None)
    sh01 = Store.objects.get(organization=org, code="SH01")
    customer = (
        Customer.objects.filter(organization=org, home_store=sh01)
        .filter(wallet_accounts__isnull=True)  # the demo's referral credit: none
        .order_by("code")
        .first()
    )
    return {"org": org, "store": sh01, "customer": customer}


def test_top_up_with_bonus_spend_and_see_it_on_the_customer_page(browser, live_server, till):
    base, customer = live_server.url, till["customer"]
    page = log_in(browser, live_server, "manager1")
    page.click("header nav a:has-text('收银台')")
    page.wait_for_url(lambda url: "/cashier/" in url)
    page.fill("#find-customer input[name=q]", customer.code)
    page.click("#find-customer button[type=submit]")
    page.locator("#found").wait_for()
    page.click(f"#found a:has-text('{customer.code}')")
    page.locator("#till-customer").wait_for()
    assert "充 10000 送 1000" in page.locator("#bonus-rules").inner_text()

    page.fill("#topup-form input[name=amount]", "10000")
    page.click("#topup-form button[type=submit]")
    page.locator("#confirm").wait_for()
    confirm = page.locator("#confirm").inner_text()
    assert "赠送 1,000.00 元" in confirm and "11,000.00" in confirm, confirm
    shot(page, "wallet-cashier-confirm")
    page.click("#confirm-form button[type=submit]")
    page.locator("ul.messages", has_text="已充值").wait_for()
    message = page.locator("ul.messages").inner_text()
    assert "已充值 10,000.00 元" in message and "赠送 1,000.00 元" in message, message
    assert "11,000.00" in page.locator("#till-customer").inner_text()
    shot(page, "wallet-cashier-topup")

    page.click("#till-spend summary")
    page.select_option("#spend-form select[name=account]", index=0)
    page.fill("#spend-form input[name=amount]", "2000")
    page.click("#spend-form button[type=submit]")
    page.locator("#confirm").wait_for()
    assert "9,000.00" in page.locator("#confirm").inner_text()
    page.click("#confirm-form button[type=submit]")
    page.locator("ul.messages", has_text="9,000.00").wait_for()
    assert "9,000.00" in page.locator("ul.messages").inner_text()
    account = customer.wallet_accounts.get(kind=AccountKind.STORED_VALUE)
    assert account.balance == Decimal("9000")
    assert list(account.entries.order_by("pk").values_list("kind", flat=True)) == [
        EntryKind.TOPUP,
        EntryKind.EARN,
        EntryKind.SPEND,
    ]

    page.goto(f"{base}/customers/{customer.pk}/")
    panel = page.locator("#wallet-panel")
    panel.wait_for()
    text = panel.inner_text()
    assert "储值" in text and "9,000.00 元" in text, text
    # The demo gives her other balances too (course cards, points): open the stored value's.
    panel.locator(f"#history-{account.pk} summary").click()
    history = panel.locator(f"#entries-{account.pk}").inner_text()
    assert "充值" in history and "-2,000.00" in history and "+1,000.00" in history, history
    shot(page, "wallet-customer-panel")
