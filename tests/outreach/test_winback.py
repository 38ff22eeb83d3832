"""The A4 win-back offer chosen by the survey's reason (seed 000): 嫌贵 gets the price
offer, 服务不好 the service offer, any other reason the other offer; the offers are
settings, and the customer's next task shows the chosen one."""

from datetime import timedelta

import pytest

from revisit.core.models import Role
from revisit.outreach.followups import outreach_settings, record_followup
from revisit.outreach.models import CallTask
from tests.factories import make_staff
from tests.outreach.conftest import DAY, at, graded

pytestmark = pytest.mark.django_db


def surveyed(clinic, customer, reason, *, satisfaction="dissatisfied", day=DAY):
    task = CallTask.objects.create(
        organization=clinic["org"],
        customer=customer,
        assignee=clinic["consultant"],
        due_date=day,
    )
    record_followup(
        task,
        actor=clinic["consultant"],
        channel="call",
        outcome="valid_2",
        satisfaction=satisfaction,
        dissatisfaction_reason=reason,
        now=at(day),
    )
    return CallTask.objects.create(
        organization=clinic["org"],
        customer=customer,
        assignee=clinic["consultant"],
        due_date=day,
        strategy=clinic["org"].strategies.get(target="A4"),
        segment="A4",
    )


def queue_of(client, clinic) -> str:
    client.force_login(clinic["consultant"])
    return client.get("/queue/").content.decode()


def test_the_reason_picks_the_offer_and_the_next_task_shows_it(client, clinic):
    settings = outreach_settings(clinic["org"])
    price, service, other = graded(clinic, "A4", 3, owner=clinic["consultant"])
    surveyed(clinic, price, "price")
    surveyed(clinic, service, "service")
    surveyed(clinic, other, "effect")
    page = queue_of(client, clinic)
    assert "580" in settings.winback_offer_price  # the seed's numbers are the default
    for customer, text in [
        (price, settings.winback_offer_price),
        (service, settings.winback_offer_service),
        (other, settings.winback_offer_other),
    ]:
        task = CallTask.objects.get(customer=customer, status="open")
        block = page.split(f'id="task-{task.pk}"', 1)[1].split('class="task', 1)[0]
        assert "挽回优惠" in block and text in block, block[:600]
    # The A4 strategy's general offer gives way to the chosen one.
    assert clinic["org"].strategies.get(target="A4").offer not in block


def test_the_offer_per_reason_is_a_setting_the_admin_changes(client, clinic):
    admin = make_staff(clinic["org"], Role.ADMIN)
    [customer] = graded(clinic, "A4", 1, owner=clinic["consultant"])
    surveyed(clinic, customer, "price")
    client.force_login(admin)
    form = client.get("/settings/outreach/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data["call_without_consent"] = "on"
    data["winback_offer_price"] = "嫌贵专享：体验价 199 元"
    assert client.post("/settings/outreach/", data).status_code == 302
    assert "嫌贵专享：体验价 199 元" in queue_of(client, clinic)


def test_a_later_survey_without_a_reason_clears_the_offer(client, clinic):
    [customer] = graded(clinic, "A4", 1, owner=clinic["consultant"])
    surveyed(clinic, customer, "price")
    CallTask.objects.filter(customer=customer, status="open").update(status="cancelled")
    surveyed(clinic, customer, "", satisfaction="satisfied", day=DAY + timedelta(days=1))
    assert "挽回优惠" not in queue_of(client, clinic)
