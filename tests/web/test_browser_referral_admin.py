"""The referral channel's managing controls in a real browser: the store manager rejects a
reward with a reason, the admin corrects an attribution, the golden-window page switches
windows, the admin sets a role's target on the program settings and the KPI page follows,
and the statistics page changes month."""

from datetime import timedelta

from django.utils import timezone

from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.customers.models import Customer, Tier
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.kpis import month_of, staff_kpis
from revisit.referrals.leads import register_lead
from revisit.referrals.models import Lead, RewardStatus
from revisit.referrals.rewards import propose_due_rewards
from revisit.sales.models import Order
from tests.factories import demo_referrer, make_order
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _arrived_lead(org, people):
    sh01 = Store.objects.get(organization=org, code="SH01")
    referrer = demo_referrer(org)
    lead = register_lead(
        referrer,
        actor=people["desk1"],
        store=sh01,
        name="周小姐",
        mobile="13966665555",
        items="眼部整形",
        intention=1,
        now=timezone.now() - timedelta(days=2),
    )
    lead = record_arrival(lead, actor=people["admin"], facts=ArrivalFacts(referrer_came=True))
    make_order(lead.customer, "2000", on=local_date(org), store=sh01)
    propose_due_rewards(org)
    return lead


def test_reject_a_reward_and_correct_an_attribution(browser, live_server, demo_live):
    org = demo_live
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    lead = _arrived_lead(org, people)

    manager = log_in(browser, live_server, "manager1")
    manager.goto(f"{live_server.url}/referrals/{lead.pk}/")
    gift = "tr[data-kind=gift]"
    assert lead.rewards.get(kind="gift").status == RewardStatus.PROPOSED
    manager.fill(f"{gift} input[name=reason]", "礼品已停发")
    manager.click(f"{gift} button.secondary")
    manager.locator("ul.messages", has_text="奖励已驳回").wait_for()
    assert "奖励已驳回" in manager.content()
    assert manager.inner_text(f"{gift} .reward-status").startswith("已驳回")
    assert lead.rewards.get(kind="gift").status == RewardStatus.REJECTED
    shot(manager, "referral-reward-rejected")

    admin = log_in(browser, live_server, "admin")
    admin.goto(f"{live_server.url}/referrals/{lead.pk}/")
    assert admin.inner_text("#attribution-rule") == "提前一天登记：老带新"
    admin.click("details summary")
    admin.select_option("#correction-form select[name=attribution]", "walk_in")
    admin.fill("#correction-form [name=reason]", "顾客点名咨询师，前台漏记")
    admin.click("#correction-form button[type=submit]")
    admin.locator("ul.messages", has_text="业绩归属已更正").wait_for()
    assert "业绩归属已更正" in admin.content()
    assert admin.inner_text("#attribution-label") == "路过（直接来院）"
    lead.refresh_from_db()
    assert lead.attribution == "walk_in" and lead.rule == "referral"
    shot(admin, "referral-attribution-corrected")


def test_golden_window_settings_kpis_and_statistics(browser, live_server, demo_live):
    org = demo_live
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    today = local_date(org)
    sh01 = Customer.objects.filter(organization=org, home_store__code="SH01").order_by("code")
    recent, later = list(sh01.filter(is_blacklisted=False, is_dispute=False)[:2])
    Customer.objects.filter(pk=recent.pk).update(
        last_visit=today - timedelta(days=40), tier=Tier.A, satisfaction=""
    )
    Customer.objects.filter(pk=later.pk).update(
        last_visit=today - timedelta(days=200), tier=Tier.C, satisfaction=""
    )

    manager = log_in(browser, live_server, "manager1")
    manager.goto(f"{live_server.url}/referrals/")
    manager.click("#golden-window-link")
    manager.wait_for_url(lambda url: "/referrals/golden-window/" in url)
    table = manager.inner_text("#golden-window")
    assert recent.name in table
    manager.click("#windows a:has-text('4-11')")
    manager.wait_for_url(lambda url: "window=4-11" in url)
    assert "window=4-11" in manager.url
    assert later.name in manager.inner_text("#golden-window")
    shot(manager, "referral-golden-window")

    # The consultant serves one of her customers today (so she has a target on the 1st too).
    consultant = people["consultant1"]
    mine = Customer.objects.filter(organization=org, owner=consultant).first()
    Order.objects.filter(pk=make_order(mine, "800", on=today).pk).update(consultant=consultant)
    # The desk registers a friend: her KPI row moves.
    _arrived_lead(org, people)
    admin = log_in(browser, live_server, "admin")
    admin.goto(f"{live_server.url}/referrals/")
    admin.click("#kpis-link")
    admin.wait_for_url(lambda url: "/referrals/kpis/" in url)
    desk_row = f"#staff-kpis tr[data-staff='{people['desk1'].pk}']"
    assert admin.inner_text(f"{desk_row} .kpi-registrations").startswith("1")

    # The admin raises the consultants' registration target from its settings.
    admin.click("#edit-targets")
    admin.wait_for_url(lambda url: "/settings/referrals/" in url)
    admin.fill("input[name=target_consultant_registrations]", "50")
    admin.fill("input[name=revenue_share_target]", "0.2")
    admin.click("main form button[type=submit]")
    admin.locator("ul.messages", has_text="已保存").wait_for()
    assert "已保存" in admin.content()
    program = org.referral_settings
    program.refresh_from_db()
    assert program.role_targets["consultant"]["registrations"] == "50"
    admin.goto(f"{live_server.url}/referrals/kpis/")
    served = next(
        k.served
        for k in staff_kpis(people["admin"], month=month_of(org, today))
        if k.staff == consultant
    )
    assert served > 0
    row = f"#staff-kpis tr[data-staff='{consultant.pk}']"
    assert admin.inner_text(f"{row} .kpi-registrations").endswith(f"/ {served * 50 / 100:.1f}")
    shot(admin, "referral-kpis")

    # The statistics of the previous month, then this month's with the friend's product.
    admin.click("#kpi-month a:has-text('老带新统计')")
    admin.wait_for_url(lambda url: "/referrals/statistics/" in url)
    assert "眼部整形" in admin.inner_text("#by-product")
    previous = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    admin.select_option("#statistics-month select[name=month]", previous)
    admin.click("#statistics-month button[type=submit]")
    admin.wait_for_url(lambda url: f"month={previous}" in url)
    assert f"month={previous}" in admin.url
    assert "周小姐" not in admin.content()
    assert len(admin.locator("#daily-deviation tbody tr").all()) >= 28
    # One staff member's daily deviation.
    admin.select_option("#deviation-staff select[name=staff]", str(consultant.pk))
    admin.click("#deviation-staff button[type=submit]")
    admin.wait_for_url(lambda url: f"staff={consultant.pk}" in url)
    assert f"staff={consultant.pk}" in admin.url and f"month={previous}" in admin.url
    assert str(consultant) in admin.inner_text("h2:has-text('日偏差')")
    shot(admin, "referral-statistics")
    assert Lead.objects.filter(organization=org, name="周小姐").count() == 1
