"""The referral channel in a real browser: the desk registers a friend from the referrer's
card, books her, marks her arrived the next day (a referral), her first order is imported
from a real file, the store manager approves both rebates, and the channel's figures and
the desk's KPI move."""

from datetime import time, timedelta

from django.utils import timezone

from revisit.appointments.models import Appointment, Shift
from revisit.appointments.shifts import add_shift
from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.imports.services import import_orders
from revisit.referrals.models import Lead
from revisit.wallet.models import Account, AccountKind
from tests.factories import demo_referrer
from tests.web.browser import BROWSER_MARKS, count_in, log_in, shot

pytestmark = BROWSER_MARKS


def test_register_book_arrive_import_approve(browser, live_server, demo_live, tmp_path):
    org = demo_live
    sh01 = Store.objects.get(organization=org, code="SH01")
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    doctor = people["doctor1"]
    Shift.objects.filter(practitioner=doctor).delete()
    for day in range(7):
        add_shift(
            sh01, doctor, weekday=day, starts=time(6), ends=time(23), actor=people["manager1"]
        )
    referrer = demo_referrer(org)

    desk = log_in(browser, live_server, "desk1")
    desk.goto(f"{live_server.url}/customers/{referrer.pk}/")
    desk.click("#refer-friend")
    desk.fill("input[name=name]", "林小姐")
    desk.fill("input[name=mobile]", "13977776666")
    desk.fill("input[name=items]", "眼部整形")
    desk.select_option("select[name=intention]", "1")
    shot(desk, "referral-register")
    desk.click("#lead-form button[type=submit]")
    desk.locator("ul.messages", has_text="已登记被推荐人").wait_for()
    assert "已登记被推荐人" in desk.content()
    lead = Lead.objects.get(organization=org, name="林小姐")
    card = lead.customer
    assert card.referrer == referrer and card.channel == "referral"

    # Book her from her new card for tomorrow.
    tomorrow = local_date(org) + timedelta(days=1)
    desk.goto(f"{live_server.url}/customers/{card.pk}/")
    desk.click("#book-appointment")
    desk.locator("#booking").wait_for()
    desk.fill("input[name=day]", tomorrow.isoformat())
    desk.fill("input[name=time]", "11:00")
    desk.select_option("select[name=practitioner]", str(doctor.pk))
    desk.click("#booking button[type=submit]")
    desk.locator("ul.messages", has_text="预约成功").wait_for()
    assert Appointment.objects.filter(customer=card).exists()

    # The next day she comes with her friend: registered the day before, a referral.
    Lead.objects.filter(pk=lead.pk).update(registered_at=timezone.now() - timedelta(days=1))
    desk.goto(f"{live_server.url}/referrals/{lead.pk}/")
    desk.check("input[name=referrer_came]")
    desk.click("#record-arrival")
    desk.locator("ul.messages", has_text="已记录到院").wait_for()
    assert desk.inner_text("#attribution-label") == "朋友介绍（老带新）"
    assert desk.inner_text("#attribution-rule") == "提前一天登记：老带新"
    shot(desk, "referral-arrived")

    manager = log_in(browser, live_server, "manager1")
    manager.goto(f"{live_server.url}/referrals/")
    deals = int(manager.inner_text("#referral-deals"))
    pending = int(manager.inner_text("#pending-rewards"))
    # The desk's referral KPI: her registered friend's deal counts for her.
    desk_row = f"#staff-kpis tr[data-staff='{people['desk1'].pk}']"
    manager.goto(f"{live_server.url}/referrals/kpis/")
    manager.locator("#staff-kpis").wait_for()
    desk_deals = count_in(manager, f"{desk_row} .kpi-deals")

    # Her first order arrives in the day's import file.
    orders = tmp_path / "orders.csv"
    orders.write_text(
        f"单号,顾客编号,消费日期,项目,实收金额\nR-1,{card.code},{local_date(org)},双眼皮,3000\n",
        encoding="utf-8",
    )
    import_orders(org, orders, actor=people["manager1"], store=sh01)

    manager.goto(f"{live_server.url}/referrals/")
    # The channel's figures move: her deal, her three rewards (two rebates and the gift).
    assert int(manager.inner_text("#referral-deals")) == deals + 1
    assert int(manager.inner_text("#pending-rewards")) == pending + 3
    manager.goto(f"{live_server.url}/referrals/{lead.pk}/")
    for side in ("referrer", "referee"):
        row = f"tr[data-side={side}][data-kind=rebate]"
        manager.click(f"{row} .approve-reward")
        manager.locator(f"{row} .reward-status", has_text="已批准").wait_for()
    assert (
        manager.locator("tr[data-kind=rebate] .reward-status")
        .all_inner_texts()[0]
        .startswith("已批准")
    )
    shot(manager, "referral-rewards")
    manager.goto(f"{live_server.url}/referrals/kpis/")
    manager.locator("#staff-kpis").wait_for()
    assert count_in(manager, f"{desk_row} .kpi-deals") == desk_deals + 1
    shot(manager, "referral-kpis-moved")
    manager.goto(f"{live_server.url}/referrals/")
    assert int(manager.inner_text("#pending-rewards")) == pending + 1  # the gift waits
    credit = Account.objects.get(customer=referrer, kind=AccountKind.CREDIT)
    assert credit.balance == 150  # 5% of 3000
    assert Account.objects.get(customer=card, kind=AccountKind.CREDIT).balance == 150
