"""Call scripts: placeholders checked when a strategy is saved, filled on each task."""

from datetime import date
from decimal import Decimal

import pytest

from revisit.outreach.models import CallTask, Strategy
from revisit.outreach.scripts import check_script, render_script
from revisit.sales.models import Item
from tests.factories import make_customer, make_order, make_org, make_store

pytestmark = pytest.mark.django_db


def test_unknown_placeholders_and_stray_braces_are_refused():
    check_script("您好，{surname}{honorific}，{offer}")
    with pytest.raises(ValueError, match="{birthday}"):
        check_script("{surname}{honorific}，生日快乐 {birthday}")
    with pytest.raises(ValueError):
        check_script("您好 {surname")


def test_a_script_is_filled_for_the_customer():
    org = make_org(code="meili")
    store = make_store(org)
    customer = make_customer(org, name="王小美", gender="F", home_store=store)
    item = Item.objects.create(organization=org, code="P1", name="光子嫩肤")
    line = make_order(customer, Decimal("980"), on=date(2024, 4, 15), item=item)
    strategy = Strategy(offer="赠面膜一盒")
    text = render_script(
        "{surname}{honorific}，您 {last_visit} 做的{last_item}，{offer}，{store}",
        customer=customer,
        strategy=strategy,
        last_line=line.lines.get(),
    )
    assert text == f"王女士，您 2024-04-15 做的光子嫩肤，赠面膜一盒，{store}"


def test_the_queue_shows_the_filled_script_and_the_form_refuses_a_bad_one(client, demo):
    consultant = demo["consultant1"]
    client.force_login(consultant)
    task = (
        CallTask.objects.filter(assignee=consultant, status="open", strategy__isnull=False)
        .exclude(strategy__script="")
        .select_related("customer", "strategy")
        .first()
    )
    assert task is not None, "the demo's default strategies carry scripts"
    page = client.get("/queue/").content.decode()
    script = page.split(f'id="task-{task.pk}"')[1].split('class="script"')[1].split("</details>")[0]
    assert "{" not in script and task.customer.name[:1] in script and str(consultant) in script
    client.force_login(demo["admin"])
    response = client.post(
        f"/strategies/{task.strategy.pk}/",
        {
            "name": "x",
            "department": "onsite",
            "invitation_type": "",
            "policy": "",
            "offer": "",
            "script": "{surname}{honorific} {birthday}",
            "priority": "1",
            "is_worked": "on",
        },
    )
    assert "{birthday}" in response.content.decode()
    task.strategy.refresh_from_db()
    assert "{birthday}" not in task.strategy.script
