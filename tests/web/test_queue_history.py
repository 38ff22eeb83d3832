"""What each task on the queue reads about its customer: the last paid visit (for the
script) and the last three contacts, picked per customer by the database."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.outreach.models import CallTask, FollowUp, Strategy
from revisit.sales.models import Item
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tasks():
    """Two customers on one consultant's queue today, with a scripted strategy."""
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    strategy = Strategy.objects.create(
        organization=org,
        target="A1",
        name="激活",
        department="onsite",
        script="上次 {last_visit} 做的{last_item}",
    )
    today = local_date(org)
    tasks = []
    for name in ("王女士", "李女士"):
        customer = make_customer(org, name=name, home_store=store, owner=consultant)
        tasks.append(
            CallTask.objects.create(
                organization=org,
                customer=customer,
                assignee=consultant,
                strategy=strategy,
                due_date=today,
                first_due_date=today,
            )
        )
    return tasks


def task_html(page: str, task) -> str:
    return page.split(f'id="task-{task.pk}"')[1].split('<div class="task')[0]


def test_the_script_names_each_customers_last_paid_visit(client, two_tasks):
    wang, li = two_tasks
    org = wang.organization
    item = {n: Item.objects.create(organization=org, code=n, name=n) for n in "甲乙丙丁"}
    make_order(wang.customer, "500", on=date(2024, 3, 1), item=item["甲"])
    make_order(wang.customer, "800", on=date(2024, 6, 1), item=item["乙"])
    make_order(wang.customer, "-800", on=date(2024, 7, 1), item=item["丙"])  # a refund
    make_order(li.customer, "300", on=date(2024, 5, 9), item=item["丁"])
    client.force_login(wang.assignee)
    page = client.get("/queue/").content.decode()
    assert "上次 2024-06-01 做的乙" in task_html(page, wang)
    assert "上次 2024-05-09 做的丁" in task_html(page, li)


def test_a_customer_without_a_paid_visit_reads_a_dash(client, two_tasks):
    client.force_login(two_tasks[0].assignee)
    page = client.get("/queue/").content.decode()
    assert "上次 — 做的—" in task_html(page, two_tasks[0])


def test_each_task_shows_its_customers_last_three_contacts_newest_first(client, two_tasks):
    wang, li = two_tasks
    now = timezone.now()
    for days, note in [(40, "第一次"), (30, "第二次"), (20, "第三次"), (10, "第四次")]:
        FollowUp.objects.create(
            organization=wang.organization,
            customer=wang.customer,
            actor=wang.assignee,
            channel="call",
            outcome="invalid_1",
            note=note,
            contacted_at=now - timedelta(days=days),
        )
    FollowUp.objects.create(
        organization=li.organization,
        customer=li.customer,
        actor=li.assignee,
        channel="call",
        outcome="invalid_1",
        note="李的一次",
        contacted_at=now - timedelta(days=5),
    )
    client.force_login(wang.assignee)
    page = client.get("/queue/").content.decode()
    mine = task_html(page, wang)
    assert "第一次" not in mine
    assert mine.index("第四次") < mine.index("第三次") < mine.index("第二次")
    assert "李的一次" not in mine and "李的一次" in task_html(page, li)
