"""The store's task list: a journey's tasks and a call's problem for the store's people,
scoped to the customers they may see; marking one done (twice is once)."""

from datetime import date

import pytest

from revisit.core.models import AuditEvent
from revisit.journeys.models import StoreTask
from tests.factories import Role, make_customer, make_org, make_staff, make_store
from tests.journeys.test_year import tick

pytestmark = pytest.mark.django_db


def test_the_store_works_its_tasks(client, shop):
    tick(shop.org, date(2026, 2, 17))
    other_store = make_store(shop.org, "S2")
    elsewhere = make_customer(shop.org, "ELSE", name="孙", home_store=other_store)
    StoreTask.objects.create(
        organization=shop.org,
        customer=elsewhere,
        store=other_store,
        title="他店任务",
        due_on=date(2026, 2, 17),
    )
    manager = make_staff(shop.org, Role.STORE_MANAGER, store=shop.store)
    client.force_login(manager)
    page = client.get("/store-tasks/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上门赠送春节礼品" in page and "寄送节日贺卡" in page
    assert "他店任务" not in page
    task = StoreTask.objects.filter(title="上门赠送春节礼品").first()
    assert client.post(f"/store-tasks/{task.pk}/done/").status_code == 302
    assert client.post(f"/store-tasks/{task.pk}/done/").status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == manager
    assert AuditEvent.objects.filter(action="store_task.done").count() == 1
    done = client.get("/store-tasks/?status=done").content.decode()
    assert f'id="store-task-{task.pk}"' in done
    # Outside her scope or another organization's: 404; a GET does nothing.
    theirs = StoreTask.objects.get(title="他店任务")
    assert client.post(f"/store-tasks/{theirs.pk}/done/").status_code == 404
    foreign = make_customer(make_org(), "F", name="外")
    foreign_task = StoreTask.objects.create(
        organization=foreign.organization, customer=foreign, title="外部", due_on=date(2026, 1, 1)
    )
    assert client.post(f"/store-tasks/{foreign_task.pk}/done/").status_code == 404
    assert client.post("/store-tasks/99999999999999999999/done/").status_code == 404
    assert client.get(f"/store-tasks/{theirs.pk}/done/").status_code == 405
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_roles_without_store_work_are_refused(client, shop):
    caller = make_staff(shop.org, Role.CALLER, store=shop.store)
    client.force_login(caller)
    assert client.get("/store-tasks/").status_code == 403
