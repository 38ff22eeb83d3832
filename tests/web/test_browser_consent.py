"""Real browser: on the queue the consultant records that the customer wants no more
SMS and WeChat marketing along with the call's outcome."""

import pytest

from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.customers.models import MarketingConsent
from revisit.demo import DEMO_PASSWORD
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


@pytest.fixture
def task(transactional_db):
    org = make_org()
    store = make_store(org)
    consultant = make_staff(org, Role.CONSULTANT, store=store)
    consultant.set_password(DEMO_PASSWORD)
    consultant.save()
    customer = make_customer(
        org, name="王女士", mobile="+8613812345678", home_store=store, owner=consultant
    )
    return CallTask.objects.create(
        organization=org, customer=customer, assignee=consultant, due_date=local_date(org)
    )


def test_opt_out_of_sms_and_wechat_with_the_outcome(browser, live_server, task):
    page = log_in(browser, live_server, task.assignee.username)
    page.goto(f"{live_server.url}/queue/")
    card = page.locator(f"#task-{task.pk}")
    card.locator("select[name=outcome]").select_option("invalid_1")
    card.get_by_role("checkbox", name="客户要求不再营销联系").check()
    card.get_by_role("checkbox", name="短信").check()
    card.get_by_role("checkbox", name="微信").check()
    shot(page, "queue-opt-out")
    card.get_by_role("button", name="保存").click()
    page.locator(f"#task-{task.pk} [data-outcome=invalid_1]").wait_for(timeout=5000)
    assert FollowUp.objects.filter(task=task).exists()
    assert dict(
        MarketingConsent.objects.filter(customer=task.customer).values_list("channel", "granted")
    ) == {"sms": False, "wechat": False}
