"""The revisit team's page (四部回访组): customers handed over by 有效四级 and 无效二级,
dead numbers confirmed or cleared, customers returned to the call lists, and tasks or
customers moved to another staff member with a reason."""

from django import forms
from django.contrib import messages
from django.db.models import Max
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from revisit.core.access import get_customer_or_404, visible_customers
from revisit.core.models import Staff
from revisit.outreach.assignments import (
    AssignmentError,
    assignable_staff,
    hand_over_staff,
    reassign_owner,
    reassign_tasks,
    return_to_call_lists,
    revisit_team_queue,
)
from revisit.outreach.followups import FollowUpError, confirm_dead_number
from revisit.outreach.models import CallTask
from revisit.web.permissions import REVISIT_TEAM_ROLES, require_roles

SHOWN = 200  # rows per table; the filters narrow a longer list


def _visible_tasks(user):
    """Open tasks of the customers the user may see."""
    return CallTask.objects.filter(
        organization=user.organization,
        status=CallTask.Status.OPEN,
        customer__in=visible_customers(user).values("pk"),
    )


class ReassignForm(forms.Form):
    """Selected rows, the staff member who takes them, and why."""

    ids = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={"required": gettext_lazy("Select at least one row.")},
    )
    to = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Hand over to"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args, rows, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = rows
        self.fields["to"].queryset = assignable_staff(organization)


class StaffHandOverForm(forms.Form):
    """Everything one staff member owns or holds, to another (e.g. when she leaves)."""

    leaving = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Staff member leaving"))
    to = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Hand over to"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Someone who has left may already be deactivated: still listed here.
        self.fields["leaving"].queryset = Staff.objects.filter(organization=organization)
        self.fields["to"].queryset = assignable_staff(organization)


def _form_error(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_roles(REVISIT_TEAM_ROLES)
def revisit_team(request):
    user = request.user
    customers = (
        revisit_team_queue(visible_customers(user))
        .select_related("owner", "home_store", "outreach_state")
        .annotate(last_contact=Max("followups__contacted_at"))
        .order_by("-last_contact", "code")
    )
    tasks = _visible_tasks(user).select_related("customer", "assignee").order_by("due_date", "id")
    staff = list(assignable_staff(user.organization))
    assignee = request.GET.get("assignee", "")
    if assignee.isdigit():
        tasks = tasks.filter(assignee_id=int(assignee))
    return render(
        request,
        "web/revisit_team/list.html",
        {
            "customers": customers[:SHOWN],
            "customer_count": customers.count(),
            "tasks": tasks[:SHOWN],
            "task_count": tasks.count(),
            "staff": staff,
            "everyone": Staff.objects.filter(organization=user.organization).order_by(
                "-is_active", "display_name", "username"
            ),
            "assignee": int(assignee) if assignee.isdigit() else None,
            "shown": SHOWN,
        },
    )


@require_roles(REVISIT_TEAM_ROLES)
@require_POST
def settle_number(request, pk: int):
    """Confirm a flagged number dead, or clear the flag (the number works)."""
    customer = get_customer_or_404(request.user, pk=pk)
    dead = request.POST.get("dead") == "1"
    try:
        confirm_dead_number(customer, actor=request.user, dead=dead)
    except FollowUpError:
        messages.error(
            request, _("The number of %(code)s is not flagged.") % {"code": customer.code}
        )
    else:
        done = _("%(code)s: number confirmed dead.") if dead else _("%(code)s: number cleared.")
        messages.success(request, done % {"code": customer.code})
    return redirect("revisit_team")


@require_roles(REVISIT_TEAM_ROLES)
@require_POST
def return_customer(request, pk: int):
    """Send a customer back to the normal call lists."""
    customer = get_customer_or_404(request.user, pk=pk)
    try:
        return_to_call_lists(customer, actor=request.user, reason=request.POST.get("reason", ""))
    except AssignmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(code)s is back on the call lists.") % {"code": customer.code}
        )
    return redirect("revisit_team")


def _reassign(request, rows, service, done_message):
    """One bulk hand-over from the page: the selected `rows` go to another staff member
    through `service`; `done_message(count, chosen, to)` says what happened."""
    user = request.user
    form = ReassignForm(request.POST, rows=rows, organization=user.organization)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("revisit_team")
    d = form.cleaned_data
    try:
        count = service(
            rows.filter(pk__in=[r.pk for r in d["ids"]]),
            to=d["to"],
            actor=user,
            reason=d["reason"],
        )
    except AssignmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done_message(count, len(d["ids"]), d["to"]))
    return redirect("revisit_team")


def _tasks_moved(moved: int, chosen: int, to) -> str:
    skipped = chosen - moved
    done = (
        _("%(n)s tasks handed over to %(to)s; %(skipped)s left as they were.")
        if skipped
        else _("%(n)s tasks handed over to %(to)s.")
    )
    return done % {"n": moved, "to": to, "skipped": skipped}


@require_roles(REVISIT_TEAM_ROLES)
@require_POST
def move_tasks(request):
    """Hand the selected open tasks to another staff member."""
    return _reassign(request, _visible_tasks(request.user), reassign_tasks, _tasks_moved)


@require_roles(REVISIT_TEAM_ROLES)
@require_POST
def move_customers(request):
    """Make another staff member the owner of the selected customers."""
    return _reassign(
        request,
        visible_customers(request.user),
        reassign_owner,
        lambda changed, _chosen, to: (
            _("%(n)s customers now belong to %(to)s.") % {"n": changed, "to": to}
        ),
    )


@require_roles(REVISIT_TEAM_ROLES)
@require_POST
def hand_over(request):
    """Move everything of one staff member (her customers and open tasks) to another."""
    user = request.user
    form = StaffHandOverForm(request.POST, organization=user.organization)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("revisit_team")
    d = form.cleaned_data
    try:
        customers, tasks = hand_over_staff(
            visible_customers(user),
            _visible_tasks(user),
            leaving=d["leaving"],
            to=d["to"],
            actor=user,
            reason=d["reason"],
        )
    except AssignmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(from)s to %(to)s: %(customers)s customers and %(tasks)s tasks handed over.")
            % {"from": d["leaving"], "to": d["to"], "customers": customers, "tasks": tasks},
        )
    return redirect("revisit_team")
