"""In a real browser: the admin creates a campaign (and is refused one that ends before
it starts), sets the tier rule, names the SVIP strategy's VIP manager and a consultant's
assistant; the VIP manager's queue then holds the SVIP customers under the campaign; a
survey's 嫌贵 on the queue puts the price win-back offer on the customer's next task."""

from datetime import timedelta

from revisit.core.clock import local_date
from revisit.demo import DEMO_PASSWORD
from revisit.outreach.calllists import generate_call_lists
from revisit.outreach.followups import outreach_settings
from revisit.outreach.models import CallTask, Campaign, StaffDuty, Strategy
from revisit.outreach.strategies import install_default_strategies
from tests.factories import Role, make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _person(org, role, name, **where):
    staff = make_staff(org, role, name=name, **where)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_campaign_tier_rule_vip_manager_and_assistant_from_the_pages(browser, live_server):
    org = make_org()
    store = make_store(org)
    install_default_strategies(org)
    admin = _person(org, Role.ADMIN, "管理员")
    consultant = _person(org, Role.CONSULTANT, "陈咨询", store=store)
    vip = _person(org, Role.CONSULTANT, "贵宾经理", store=store)
    assistant = _person(org, Role.CALLER, "常助理", store=store)
    svip = [
        make_customer(
            org,
            f"VIP-{i}",
            name=f"贵宾{i}",
            tier="SVIP",
            owner=consultant,
            home_store=store,
            mobile=f"+861380000{i:04d}",
            phone_status="valid",
        )
        for i in range(3)
    ]
    today = local_date(org)

    page = log_in(browser, live_server, admin.username)
    page.click("nav >> text=活动")
    page.click("#new-campaign")
    page.fill("input[name=name]", "周年庆")
    page.fill("input[name=starts_on]", today.isoformat())
    page.fill("input[name=ends_on]", (today - timedelta(days=1)).isoformat())
    page.check("input[name=tiers][value=SVIP]")
    page.check("input[name=segments][value=A4]")
    page.fill("textarea[name=offer]", "到院赠高端护理一次")
    page.fill("tr[data-target=A4] textarea[name=offer_A4]", "半价体验")
    page.click("#campaign-form button[type=submit]")
    assert "活动的结束日期不能早于开始日期" in page.locator("#campaign-form").inner_text()
    assert not Campaign.objects.exists()
    # What was typed stays; fix the end date and save.
    assert page.input_value("input[name=name]") == "周年庆"
    page.fill("input[name=ends_on]", (today + timedelta(days=20)).isoformat())
    shot(page, "campaign-form")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert "周年庆" in page.locator("#campaigns").inner_text()
    shot(page, "campaigns")

    page.click("#settings-nav >> text=策略")
    page.check("input[name=strategy_precedence][value=segment]")
    page.click("#precedence button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert page.is_checked("input[name=strategy_precedence][value=segment]")
    assert outreach_settings(org).strategy_precedence == "segment"
    page.click("#strategies tr[data-target=SVIP] a")
    page.select_option("select[name=allocation]", "manager")
    page.select_option("select[name=manager]", str(vip.pk))
    page.click("#settings form button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert "贵宾经理" in page.locator("#strategies tr[data-target=SVIP] .allocation").inner_text()
    shot(page, "strategies-tier-rule")

    page.goto(f"{live_server.url}/staff/{assistant.pk}/")
    page.select_option("#duty-form select[name=assists]", str(consultant.pk))
    page.check("#duty-form input[name=on_call_team]")
    page.click("#duty-form button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert page.locator("#assists").inner_text() == "陈咨询"
    assert StaffDuty.objects.get(staff=assistant).assists == consultant
    shot(page, "staff-duty")
    page.goto(f"{live_server.url}/reports/daily/?day={today.isoformat()}")
    assert "周年庆" in page.locator("#active-campaign").inner_text()
    # The call team's quota (150 by default), not a caller's 50.
    assert "0/150" in page.locator("#people tr", has_text="常助理").inner_text()
    shot(page, "daily-report-campaign")

    generate_call_lists(org, date=today)
    assert {t.assignee_id for t in CallTask.objects.filter(customer__in=svip)} == {vip.pk}
    page = log_in(browser, live_server, vip.username)
    assert "周年庆" in page.locator("#active-campaign").inner_text()
    queue = page.locator("main").inner_text()
    assert all(c.name in queue for c in svip)
    assert page.locator(".task .campaign").count() == 3
    shot(page, "queue-vip-manager-campaign")


def test_a_survey_reason_puts_its_win_back_offer_on_the_next_task(browser, live_server):
    org = make_org()
    store = make_store(org)
    install_default_strategies(org)
    consultant = _person(org, Role.CONSULTANT, "陈咨询", store=store)
    customer = make_customer(
        org, "A4-1", name="王女士", owner=consultant, home_store=store, mobile="+8613800009999"
    )
    a4 = Strategy.objects.get(organization=org, target="A4")
    today = local_date(org)
    task = CallTask.objects.create(
        organization=org,
        customer=customer,
        assignee=consultant,
        due_date=today,
        segment="A4",
        strategy=a4,
    )
    page = log_in(browser, live_server, consultant.username)
    card = page.locator(f"#task-{task.pk}")
    card.locator("select[name=outcome]").select_option("valid_2")
    # The outcome's own fields are swapped in (htmx) before the form is filled on.
    card.locator("[name=event_on]").wait_for()
    card.locator("select[name=satisfaction]").select_option("dissatisfied")
    card.locator("select[name=dissatisfaction_reason]").select_option("price")
    card.locator("button[type=submit]").last.click()
    page.wait_for_selector(f"#task-{task.pk}.done")
    assert page.locator(".winback").count() == 0
    following = CallTask.objects.create(
        organization=org,
        customer=customer,
        assignee=consultant,
        due_date=today,
        segment="A4",
        strategy=a4,
    )
    page.reload()
    offer = page.locator(f"#task-{following.pk} .winback").inner_text()
    assert "嫌贵" in offer and outreach_settings(org).winback_offer_price in offer
    shot(page, "queue-winback-offer")
