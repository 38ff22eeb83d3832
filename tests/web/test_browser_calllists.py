"""The revisit team's page in a real browser: confirm a dead number, hand tasks over."""

from datetime import date

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.demo import DEMO_PASSWORD
from revisit.outreach.models import CallTask, OutreachState
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def small_store():
    org = make_org()
    store = make_store(org, "S1")
    manager = make_staff(org, Role.STORE_MANAGER, store=store, name="李店长")
    manager.set_password(DEMO_PASSWORD)
    manager.save()
    leaving, taking = (
        make_staff(org, Role.CALLER, store=store, name=n) for n in ("冯客服", "韩客服")
    )
    flagged = make_customer(
        org, "F1", name="王小美", home_store=store, mobile="+8613800000001", phone_status="review"
    )
    handed = make_customer(org, "H1", name="赵小雅", home_store=store, mobile="+8613800000002")
    OutreachState.objects.create(customer=handed, queue=OutreachState.Queue.REVISIT_TEAM)
    tasks = [
        CallTask.objects.create(
            organization=org,
            customer=make_customer(org, f"T{i}", home_store=store, mobile=f"+861390000000{i}"),
            assignee=leaving,
            due_date=date(2024, 5, 6),
        )
        for i in range(3)
    ]
    return manager, flagged, tasks, taking


def test_manager_confirms_a_dead_number_and_hands_tasks_over(browser, live_server):
    manager, flagged, tasks, taking = small_store()
    page = log_in(browser, live_server, manager.username)
    page.click("nav >> text=回访组")
    page.wait_for_load_state()
    row = page.locator(f"#customer-{flagged.pk}")
    assert row.locator(".phone-status").inner_text() == "待核实"
    shot(page, "revisit-team")

    row.locator("button", has_text="确认空号").click()
    page.wait_for_load_state()
    assert "F1：已确认为空号。" in page.locator(".messages").inner_text()
    assert page.locator(f"#customer-{flagged.pk}").count() == 0  # left the queue
    assert Customer.objects.get(pk=flagged.pk).phone_status == "dead"

    for task in tasks[:2]:
        page.locator(f"#task-{task.pk} input[type=checkbox]").check()
    handover = page.locator("#move-tasks")
    handover.locator("select[name=to]").select_option(label="韩客服")
    handover.locator("input[name=reason]").fill("员工离职")
    handover.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已将 2 个任务转派给 韩客服" in page.locator(".messages").inner_text()
    for task in tasks[:2]:
        assert page.locator(f"#task-{task.pk} .assignee").inner_text() == "韩客服"
    assert page.locator(f"#task-{tasks[2].pk} .assignee").inner_text() == "冯客服"
    shot(page, "revisit-team-after-hand-over")
    assert [t.assignee for t in CallTask.objects.order_by("id")] == [
        taking,
        taking,
        tasks[2].assignee,
    ]
    assert AuditEvent.objects.get(action="calltask.reassign").data["reason"] == "员工离职"
