"""The revisit team's page: scope, roles, settling numbers and hand-overs."""

import pytest

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer
from revisit.outreach.models import CallTask, OutreachState
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db

DAY = "2024-05-06"


@pytest.fixture
def team():
    org = make_org()
    here, there = make_store(org, "S1"), make_store(org, "S2")
    manager = make_staff(org, Role.STORE_MANAGER, store=here, name="李店长")
    callers = [make_staff(org, Role.CALLER, store=here, name=n) for n in ("冯客服", "韩客服")]
    flagged = make_customer(
        org, "F1", name="王小美", home_store=here, mobile="+8613800000001", phone_status="review"
    )
    handed = make_customer(org, "H1", name="赵小雅", home_store=here, mobile="+8613800000002")
    OutreachState.objects.create(customer=handed, queue=OutreachState.Queue.REVISIT_TEAM)
    elsewhere = make_customer(
        org, "X1", name="别店客", home_store=there, mobile="+8613800000003", phone_status="review"
    )
    return {
        "org": org,
        "manager": manager,
        "callers": callers,
        "flagged": flagged,
        "handed": handed,
        "elsewhere": elsewhere,
    }


def test_the_manager_sees_her_stores_queue_in_chinese(client, team):
    client.force_login(team["manager"])
    page = client.get("/revisit-team/").content.decode()
    assert "回访组" in page and "确认空号" in page and "退回常规名单" in page
    assert "王小美" in page and "赵小雅" in page and "别店客" not in page
    assert "待核实" in page and "13800000001" not in page  # labels, masked numbers
    assert "review" not in page.replace('"review"', "")
    assert 'href="/revisit-team/"' in client.get("/").content.decode()  # in the menu


def test_callers_may_not_use_it(client, team):
    client.force_login(team["callers"][0])
    assert client.get("/revisit-team/").status_code == 403
    assert 'href="/revisit-team/"' not in client.get("/").content.decode()


def test_confirming_a_dead_number_outside_the_scope_is_not_found(client, team):
    client.force_login(team["manager"])
    url = f"/revisit-team/customers/{team['elsewhere'].pk}/number/"
    assert client.post(url, {"dead": "1"}).status_code == 404
    team["elsewhere"].refresh_from_db()
    assert team["elsewhere"].phone_status == "review"


def test_confirm_dead_and_return_to_the_lists(client, team):
    client.force_login(team["manager"])
    response = client.post(
        f"/revisit-team/customers/{team['flagged'].pk}/number/", {"dead": "1"}, follow=True
    )
    assert "F1：已确认为空号。" in response.content.decode()
    assert Customer.objects.get(pk=team["flagged"].pk).phone_status == "dead"
    again = client.post(
        f"/revisit-team/customers/{team['flagged'].pk}/number/", {"dead": "1"}, follow=True
    )
    assert "没有待核实的标记" in again.content.decode()
    client.post(f"/revisit-team/customers/{team['handed'].pk}/return/")
    assert OutreachState.objects.get(customer=team["handed"]).queue == "call_lists"


def test_a_hand_over_without_reason_changes_nothing(client, team):
    task = CallTask.objects.create(
        organization=team["org"], customer=team["handed"], assignee=team["callers"][0], due_date=DAY
    )
    client.force_login(team["manager"])
    response = client.post(
        "/revisit-team/tasks/assignee/",
        {"ids": [task.pk], "to": team["callers"][1].pk, "reason": ""},
        follow=True,
    )
    assert "这个字段是必填项" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == team["callers"][0]
    assert not AuditEvent.objects.filter(action="calltask.reassign").exists()


def test_tasks_of_customers_outside_the_scope_cannot_be_moved(client, team):
    task = CallTask.objects.create(
        organization=team["org"],
        customer=team["elsewhere"],
        assignee=team["callers"][0],
        due_date=DAY,
    )
    client.force_login(team["manager"])
    client.post(
        "/revisit-team/tasks/assignee/",
        {"ids": [task.pk], "to": team["callers"][1].pk, "reason": "离职"},
    )
    task.refresh_from_db()
    assert task.assignee == team["callers"][0]


def test_a_leaving_staff_members_customers_and_tasks_go_to_a_colleague(client, team):
    leaving, taking = team["callers"]
    Customer.objects.filter(pk__in=[team["handed"].pk, team["elsewhere"].pk]).update(owner=leaving)
    task = CallTask.objects.create(
        organization=team["org"], customer=team["flagged"], assignee=leaving, due_date=DAY
    )
    leaving.is_active = False
    leaving.save()
    client.force_login(team["manager"])
    page = client.get("/revisit-team/").content.decode()
    assert "冯客服 (已停用)" in page
    same = client.post(
        "/revisit-team/hand-over/",
        {"leaving": taking.pk, "to": taking.pk, "reason": "离职"},
        follow=True,
    )
    assert "请选择两位不同的员工。" in same.content.decode()
    response = client.post(
        "/revisit-team/hand-over/",
        {"leaving": leaving.pk, "to": taking.pk, "reason": "离职"},
        follow=True,
    )
    assert "冯客服 交接给 韩客服：客户 1 位，任务 1 个。" in response.content.decode()
    assert Customer.objects.get(pk=team["handed"].pk).owner == taking
    assert Customer.objects.get(pk=team["elsewhere"].pk).owner == leaving  # another store's
    task.refresh_from_db()
    assert task.assignee == taking
