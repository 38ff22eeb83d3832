"""The store's tasks from the journeys (hand over a gift, mail a card, answer a problem
raised on a call): open ones by due date, and marking one done."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.core.clock import local_date
from revisit.journeys.access import STORE_TASK_ROLES, get_store_task_or_404, visible_store_tasks
from revisit.journeys.models import StoreTask
from revisit.journeys.services import complete_store_task
from revisit.web.permissions import require_roles

PAGE_ROWS = 200


@require_roles(STORE_TASK_ROLES)
def store_tasks(request):
    done = request.GET.get("status") == "done"
    status = StoreTask.Status.DONE if done else StoreTask.Status.OPEN
    tasks = (
        visible_store_tasks(request.user)
        .filter(status=status)
        .select_related("customer", "store", "journey")
        .order_by("-done_at" if done else "due_on", "id")
    )
    return render(
        request,
        "web/store_tasks.html",
        {
            "title": _("Store tasks"),
            "tasks": tasks[:PAGE_ROWS],
            "total": tasks.count(),
            "done": done,
            "today": local_date(request.user.organization),
        },
    )


@require_roles(STORE_TASK_ROLES)
@require_POST
def store_task_done(request, pk: int):
    task = get_store_task_or_404(request.user, pk=pk)
    if complete_store_task(task, actor=request.user):
        messages.success(request, _("Done: %(task)s") % {"task": task.title})
    return redirect("store_tasks")
