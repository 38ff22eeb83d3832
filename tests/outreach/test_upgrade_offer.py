"""The trade-up price on a task (seed rule: this month's price of the next item up × the
discount − what her stored item is worth): 1980 × 0.8 − 980 = 604."""

from datetime import date
from decimal import Decimal

import pytest

from revisit.core.models import Role
from revisit.outreach.models import CallTask, Strategy
from revisit.sales.models import Item
from tests.factories import make_customer, make_order, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    item = lambda code, name, price: Item.objects.create(  # noqa: E731
        organization=org, code=code, name=name, category="动能素", list_price=Decimal(price)
    )
    stored = item("S516", "丝丽 516", "980")
    item("S532", "丝丽 532", "1980")
    item("S999", "丝丽 至臻", "5800")
    item("S100", "入门款", "399")
    strategy = Strategy.objects.create(
        organization=org,
        target="B1",
        name="消费升级",
        department="customer_service",
        upgrade_discount=Decimal("0.80"),
    )
    return org, consultant, stored, strategy


def _task(org, consultant, customer, strategy):
    today = date.today()
    return CallTask.objects.create(
        organization=org,
        customer=customer,
        assignee=consultant,
        due_date=today,
        first_due_date=today,
        segment="B1",
        strategy=strategy,
    )


def test_the_task_shows_the_trade_up_to_the_next_item(client, shop):
    org, consultant, stored, strategy = shop
    customer = make_customer(org, name="王小美", owner=consultant)
    make_order(customer, "980", on=date(2024, 3, 1), item=stored)
    task = _task(org, consultant, customer, strategy)
    client.force_login(consultant)
    page = client.get("/queue/").content.decode()
    block = page.split(f'id="task-{task.pk}"')[1]
    assert 'data-price="604.00"' in block and "丝丽 532" in block


def test_no_offer_without_a_better_item_or_without_a_discount(client, shop):
    org, consultant, _, strategy = shop
    top = Item.objects.get(code="S999")
    customer = make_customer(org, name="李四", owner=consultant)
    make_order(customer, "5800", item=top)
    task = _task(org, consultant, customer, strategy)
    plain = Strategy.objects.create(
        organization=org, target="B2", name="x", department="customer_service"
    )
    other = make_customer(org, name="赵六", owner=consultant)
    make_order(other, "980", item=Item.objects.get(code="S516"))
    task2 = _task(org, consultant, other, plain)
    client.force_login(consultant)
    page = client.get("/queue/").content.decode()
    assert "upgrade-offer" not in page.split(f'id="task-{task.pk}"')[1].split('class="task')[0]
    assert "upgrade-offer" not in page.split(f'id="task-{task2.pk}"')[1].split('class="task')[0]
