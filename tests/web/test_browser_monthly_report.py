"""The monthly revisit report in a real browser: a consultant suggests next month's plan,
the store manager writes the summary, sets the plan and submits it, the region
supervisor sees it on her home page, reviews it with comments and submits her region's
summary; the store sees the comments."""

from datetime import timedelta

from django.utils import timezone

from revisit.core.clock import local_date
from revisit.customers.models import Gender
from revisit.demo import DEMO_PASSWORD
from revisit.outreach.models import FollowUp
from revisit.reports.models import MonthlyFollowupReport, RegionSummary
from tests.factories import Role, make_customer, make_org, make_region, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _user(staff):
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def test_staff_suggest_the_manager_sets_the_plan_the_supervisor_comments(browser, live_server):
    org = make_org()
    region = make_region(org, "R1")
    store = make_store(org, "S1", region)
    make_store(org, "S2", region)
    consultant = _user(make_staff(org, Role.CONSULTANT, store=store, name="李顾问"))
    manager = _user(make_staff(org, Role.STORE_MANAGER, store=store, name="王店长"))
    supervisor = _user(make_staff(org, Role.REGION_SUPERVISOR, region=region, name="赵主管"))
    for n, tier in enumerate(["A", "B", "C"]):
        customer = make_customer(
            org, f"C-{n}", name=f"顾客{n}", gender=Gender.FEMALE, tier=tier, home_store=store
        )
        FollowUp.objects.create(
            organization=org,
            customer=customer,
            actor=consultant,
            channel="call",
            outcome="valid_2",
            contacted_at=timezone.now() - timedelta(minutes=5),
        )
    month = f"{local_date(org):%Y-%m}"

    page = log_in(browser, live_server, consultant.username)
    page.goto(f"{live_server.url}/reports/monthly/")
    page.click(f"#monthly-reports >> text={store}")
    page.wait_for_selector("#suggest-form")
    assert "3" in page.inner_text("#contacted-total")
    page.fill("#suggest-form textarea[name=text]", "下月新品上市：A 类电话邀约，C 类短信")
    page.click("#suggest")
    page.locator("#plan-suggestions", has_text="C 类短信").wait_for()
    assert page.locator("#plan-form").count() == 0  # the plan is the manager's to set

    boss = log_in(browser, live_server, manager.username)
    boss.goto(f"{live_server.url}/reports/monthly/stores/{store.pk}/{month}/")
    assert "李顾问" in boss.inner_text("#plan-suggestions")
    boss.fill("#plan-form textarea[name=summary]", "本月电话回访 3 次，A/B/C 各一")
    boss.fill("#plan-form textarea[name=plan]", "采纳建议：A 类电话邀约，C 类短信 + 贺卡")
    boss.click("#save-plan")
    boss.locator("#plan-set-by", has_text="王店长").wait_for()
    shot(boss, "monthly-report-plan")
    boss.click("#submit-report")
    boss.locator("#report-status", has_text="已提交，待审核").wait_for()
    assert boss.locator("#plan-form").count() == 1  # still hers to correct until reviewed

    chief = log_in(browser, live_server, supervisor.username)
    chief.goto(f"{live_server.url}/")
    chief.locator("#report-reminders li[data-kind=review] a").click()
    chief.wait_for_selector("#review-form")
    assert "采纳建议" in chief.inner_text("#plan-text")
    chief.fill("#review-form textarea[name=comment]", "C 类贺卡请在节前寄出")
    chief.click("#send-review")
    chief.locator("#review-comment", has_text="节前寄出").wait_for()
    assert "已审核" in chief.inner_text("#report-status")
    shot(chief, "monthly-report-reviewed")
    chief.click(f"text={region}")
    chief.wait_for_selector("#region-summary-form")
    assert "已审核" in chief.inner_text("#region-stores") and "未开始" in chief.inner_text(
        "#region-stores"
    )
    chief.fill("#region-summary-form textarea[name=summary]", "一店完成并审核；二店未交")
    chief.click("#submit-summary")
    chief.locator("#region-summary-text", has_text="二店未交").wait_for()
    shot(chief, "monthly-region-summary")

    boss.reload()
    assert "节前寄出" in boss.inner_text("#review-comment")
    assert boss.locator("#plan-form").count() == 0
    report = MonthlyFollowupReport.objects.get()
    assert report.status == "reviewed" and report.figures["contacts_total"] == 3
    assert RegionSummary.objects.get().figures["totals"]["contacts_total"] == 3
