"""The queue's task blocks and the customers table's rows are drawn in Python
(revisit.web.rows) for speed: they must be exactly what the templates draw, for every kind
of task and row, hostile text included, in both languages."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone, translation

from revisit.customers.models import Customer
from revisit.outreach.models import CallTask
from revisit.web.forms import FollowUpForm
from revisit.web.rows import Labels, task_html
from revisit.web.views import queue as queue_views

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> & \"王\""


def _tasks(staff) -> list[CallTask]:
    request = RequestFactory().get("/queue/")
    request.user = staff
    return queue_views._with_history(list(queue_views._my_tasks(request)), staff)


def _like(task: CallTask, **changes) -> SimpleNamespace:
    kept = {"pk": task.pk, "customer": task.customer, "strategy": task.strategy}
    return SimpleNamespace(**{**task.__dict__, **kept, "campaign": task.campaign, **changes})


def _variants(task: CallTask):
    """The task as the demo has it, then with each optional part of its block set (and
    hostile text wherever text is shown)."""
    yield task
    yield _like(
        task,
        customer=SimpleNamespace(name="", code="C<1>", mobile=None),
        customer_url="/customers/1/?a=1&b=<2>",
        segment="none",
        source=CallTask.Source.SCHEDULED,
        reasons=[HOSTILE, "术后回访"],
        first_due_date=task.due_date - timedelta(days=3),
        campaign=SimpleNamespace(name=HOSTILE),
        winback=SimpleNamespace(reason="price<", reason_label=HOSTILE, offer=HOSTILE),
        invitation_label=HOSTILE,
        offer=HOSTILE,
        course_cards=[
            SimpleNamespace(expired=True, sessions_left=3, line=lambda: HOSTILE),
            SimpleNamespace(expired=False, sessions_left=Decimal("2.5"), line=lambda: "卡"),
        ],
        upgrade=SimpleNamespace(
            target_item=HOSTILE,
            target_price=Decimal("1200.00"),
            discount=Decimal("0.85"),
            stored_item="<卡>",
            stored_value=Decimal("300.5"),
            price=Decimal("720.00"),
        ),
        script_text=f"第一行\n{HOSTILE}\r\n第三行",
        history=[
            queue_views.LastContact(timezone.now(), HOSTILE, HOSTILE * 3),
            queue_views.LastContact(timezone.now() - timedelta(days=40), "无效二级", ""),
        ],
    )
    yield _like(
        task,
        status=CallTask.Status.DONE,
        recorded_outcome="valid_2",
        recorded_outcome_label=HOSTILE,
        strategy=None,
        offer="",
        campaign=None,
        winback=None,
    )
    scriptless = _like(task)
    del scriptless.script_text  # a task without a script has no script text at all
    yield scriptless
    yield _like(
        task,
        status=CallTask.Status.DONE,
        recorded_outcome=None,
        recorded_outcome_label=None,
        strategy=None,
        offer="赠品",
        campaign=None,
        winback=None,
        invitation_label="",
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_task_block_is_exactly_what_the_template_draws(demo, language):
    consultant = demo["consultant1"]
    tasks = _tasks(consultant)
    assert tasks
    controls = queue_views.TaskFormControls(FollowUpForm(organization=demo["org"]))
    compared = 0
    with translation.override(language):
        labels = Labels()
        for task in tasks[:12]:
            for variant in _variants(task):
                for may_reveal in (True, False):
                    context = {"task": variant, "controls": controls, "may_reveal": may_reveal}
                    expected = render_to_string("web/queue/_task.html", context)
                    drawn = task_html(variant, controls, may_reveal=may_reveal, labels=labels)
                    assert drawn == expected
                    compared += 1
    assert compared == len(tasks[:12]) * 5 * 2


def test_the_queue_page_escapes_hostile_customer_text(client, demo):
    consultant = demo["consultant1"]
    task = CallTask.objects.filter(assignee=consultant, status=CallTask.Status.OPEN).first()
    Customer.objects.filter(pk=task.customer_id).update(name=HOSTILE)
    client.force_login(consultant)
    page = client.get("/queue/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;王&quot;" in page
    assert page.count(f'id="task-{task.pk}"') == 1


# The customers table's row as the template drew it before rows were drawn in Python.
