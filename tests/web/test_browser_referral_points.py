"""The referral program's points and the deviation tables in a real browser: the admin
sets the referrer's points per yuan on the program settings, a referred friend arrives
and pays, the KPI page and the deviation by customer group move, the store manager
approves the referrer's points from the referral's page and they land on her points
balance, and the deviation by customer group downloads as xlsx."""

from datetime import timedelta
from decimal import Decimal

import openpyxl
from django.utils import timezone

from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.leads import register_lead
from revisit.referrals.rewards import propose_due_rewards
from revisit.wallet.models import Account, AccountKind
from revisit.wallet.points import points_settings
from tests.factories import demo_referrer, make_order
from tests.web.browser import BROWSER_MARKS, count_in, log_in, shot

pytestmark = BROWSER_MARKS


def test_points_rate_kpis_deviation_and_approval(browser, live_server, demo_live):
    org = demo_live
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    program = points_settings(org)
    program.enabled = True
    program.save()
    sh01 = Store.objects.get(organization=org, code="SH01")
    referrer = demo_referrer(org)
    group = referrer.get_tier_display() or "未分级"

    admin = log_in(browser, live_server, "admin")
    admin.goto(f"{live_server.url}/settings/referrals/")
    admin.fill("input[name=referrer_points_per_yuan]", "2")
    admin.fill("input[name=gift_credit_rate]", "0.1")
    admin.click("main form button[type=submit]")
    admin.locator(".messages li", has_text="已保存").wait_for()
    assert (
        org.referral_settings.__class__.objects.get(organization=org).referrer_points_per_yuan == 2
    )
    shot(admin, "referral-points-setting")

    manager = log_in(browser, live_server, "manager1")
    desk_row = f"#staff-kpis tr[data-staff='{people['desk1'].pk}']"
    manager.goto(f"{live_server.url}/referrals/kpis/")
    manager.locator("#staff-kpis").wait_for()
    arrivals = count_in(manager, f"{desk_row} .kpi-arrivals")
    deals = count_in(manager, f"{desk_row} .kpi-deals")
    group_arrivals = f"#deviation-groups tr[data-label='{group}'] td:nth-child(8)"
    manager.goto(f"{live_server.url}/referrals/statistics/")
    manager.locator("#deviation-groups").wait_for()
    before_group = count_in(manager, group_arrivals)

    # Her friend, registered by the desk two days ago, arrives today and pays 1,500.
    lead = register_lead(
        referrer,
        actor=people["desk1"],
        store=sh01,
        name="积分新客",
        mobile="13966664444",
        items="眼部整形",
        intention=1,
        now=timezone.now() - timedelta(days=2),
    )
    lead = record_arrival(lead, actor=people["desk1"], facts=ArrivalFacts(referrer_came=True))
    make_order(lead.customer, "1500", on=local_date(org), store=sh01)
    propose_due_rewards(org)

    manager.goto(f"{live_server.url}/referrals/kpis/")
    manager.locator("#staff-kpis").wait_for()
    assert count_in(manager, f"{desk_row} .kpi-arrivals") == arrivals + 1
    assert count_in(manager, f"{desk_row} .kpi-deals") == deals + 1
    manager.goto(f"{live_server.url}/referrals/statistics/")
    manager.locator("#deviation-groups").wait_for()
    assert count_in(manager, group_arrivals) == before_group + 1
    shot(manager, "referral-deviation")
    with manager.expect_download() as download:
        manager.click("#export-deviation-groups")
    with open(download.value.path(), "rb") as file:  # Playwright names it without .xlsx
        sheet = openpyxl.load_workbook(file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "客户群体"
    assert next(r for r in rows[1:] if r[0] == group)[7] == before_group + 1
    # The channel's figures download beside them, with the page's rebate usage.
    usage = manager.inner_text("#statistics-rebate-usage")
    with manager.expect_download() as download:
        manager.click("#export-channel")
    with open(download.value.path(), "rb") as file:
        figures = dict(list(openpyxl.load_workbook(file).active.values)[1:])
    assert (figures["返利金使用率"] or "—") == usage

    manager.goto(f"{live_server.url}/referrals/{lead.pk}/")
    points = "tr[data-kind=points]"
    assert manager.inner_text(f"{points} .reward-amount") == "3000 分"  # 1,500 × 2
    gift_credit = "tr[data-kind=gift_credit]"
    assert manager.inner_text(f"{gift_credit} .reward-amount") == "¥150.00"  # 10% of 1,500
    manager.click(f"{points} .approve-reward")
    manager.locator(f"{points} .reward-status", has_text="已批准").wait_for()
    manager.click(f"{gift_credit} .approve-reward")
    manager.locator(f"{gift_credit} .reward-status", has_text="已批准").wait_for()
    shot(manager, "referral-points-approved")
    account = Account.objects.get(customer=referrer, kind=AccountKind.POINTS)
    assert account.entries.filter(reference_type="referral").get().amount == Decimal("3000")
    credit = Account.objects.get(customer=referrer, kind=AccountKind.CREDIT)
    assert credit.entries.filter(reason="老带新赠送抵扣金").get().amount == Decimal("150")
