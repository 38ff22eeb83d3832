"""Course cards in a real browser: the store manager sells a card on the customer page,
the practitioner marks the appointment done, and the customer page shows one session
fewer."""

from datetime import time, timedelta

from revisit.appointments.models import Shift
from revisit.appointments.shifts import add_shift
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Staff, Store
from revisit.customers.models import Customer
from revisit.sales.models import Item
from revisit.wallet.models import Account
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_sell_a_card_mark_the_visit_done_and_see_the_sessions_drop(browser, live_server, demo_live):
    from revisit.appointments.services import book_appointment, mark_arrived

    org = demo_live
    sh01 = Store.objects.get(organization=org, code="SH01")
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    doctor = people["doctor1"]
    Shift.objects.filter(practitioner=doctor).delete()
    for day in range(7):
        add_shift(
            sh01, doctor, weekday=day, starts=time(6), ends=time(23), actor=people["manager1"]
        )
    customer = Customer.objects.filter(organization=org, home_store=sh01).order_by("code").first()
    item = Item.objects.create(organization=org, code="GZ-T", name="光子嫩肤疗程", category="嫩肤")
    today = local_date(org)
    base = live_server.url

    page = log_in(browser, live_server, "manager1")
    page.goto(f"{base}/customers/{customer.pk}/")
    page.click("#sell-course-card")
    page.locator("#sell-form").wait_for()
    page.select_option("select[name=item]", str(item.pk))
    page.fill("input[name=sessions]", "10")
    page.fill("input[name=price]", "6800")
    page.fill("input[name=expires_on]", (today + timedelta(days=365)).isoformat())
    page.fill("input[name=card_number]", "BR-001")
    shot(page, "course-card-sell")
    page.click("#sell-form button[type=submit]")
    page.locator("ul.messages", has_text="疗程卡已售出").wait_for()
    assert "疗程卡已售出" in page.content()
    page.goto(f"{base}/customers/{customer.pk}/")
    assert "光子嫩肤疗程 剩 10 次" in page.locator("#course-cards").inner_text()

    start, _end = day_bounds(org, today)
    visit = book_appointment(
        customer,
        starts_at=start + timedelta(hours=7),
        actor=people["manager1"],
        store=sh01,
        practitioner=doctor,
        item=item,
        now=start,
    )
    mark_arrived(visit, actor=people["manager1"])
    doctor_page = log_in(browser, live_server, "doctor1")
    doctor_page.goto(f"{base}/practitioner/")
    card = doctor_page.locator(f"#appointment-{visit.pk}")
    card.locator("textarea[name=note]").fill("光子嫩肤第 1 次，术后注意防晒")
    card.locator("button", has_text="治疗完成").click()
    doctor_page.locator("ul.messages", has_text="治疗完成").wait_for()

    page.goto(f"{base}/customers/{customer.pk}/")
    block = page.locator("#course-cards").inner_text()
    assert "光子嫩肤疗程 剩 9 次" in block, block
    shot(page, "course-card-after-visit")
    assert Account.objects.get(card_number="BR-001").balance == 9
