"""My call queue: today's tasks, recording an outcome in place, quota progress."""

from datetime import datetime
from typing import NamedTuple

from django.db.models import Case, F, OuterRef, Subquery, When, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from revisit.core.access import may_reveal_phones
from revisit.core.clock import local_date
from revisit.customers.models import Customer
from revisit.outreach.campaigns import active_campaign
from revisit.outreach.course_calls import REASON as COURSE_CARD_REASON
from revisit.outreach.figures import daily_figures
from revisit.outreach.followups import (
    FollowUpError,
    contact_reason_label,
    outreach_settings,
    record_followup,
)
from revisit.outreach.models import CallTask, FollowUp, InvitationType, Outcome, ScheduledContact
from revisit.outreach.scripts import render_script
from revisit.outreach.strategies import stored_items, upgrade_offers
from revisit.outreach.winback import winback_offers
from revisit.sales.models import OrderLine
from revisit.wallet.course_cards import course_card_settings, open_cards_of
from revisit.web.forms import FollowUpForm
from revisit.web.links import pk_link
from revisit.web.permissions import QUEUE_ROLES, require_roles
from revisit.web.rows import Labels, task_html


def progress(request, settings=None) -> dict:
    """Calls against quota and next-day appointments against target, for today."""
    org = request.user.organization
    rows = daily_figures(
        org, local_date(org), staff_ids=[request.user.pk], settings=settings, brief=True
    )
    return rows[0] if rows else {}


# The task block (web/rows.py), its script (outreach/scripts.py) and the campaign's
# overrides read these of the customer.
_CUSTOMER_USED = {"id", "organization", "code", "name", "mobile", "gender", "tier", "home_store"}
_CUSTOMER_UNUSED = [
    f"customer__{f.name}" for f in Customer._meta.concrete_fields if f.name not in _CUSTOMER_USED
]


class LastContact(NamedTuple):
    """One of a customer's last contacts, as her task shows it (when, what, the note):
    the queue shows three per task, read as rows rather than built as follow-ups."""

    contacted_at: datetime
    outcome_label: str
    note: str


ROUTINE_LAST = Case(When(source=CallTask.Source.SCHEDULED, then=1), default=0)


def _my_tasks(request):
    org = request.user.organization
    today = local_date(org)
    return (
        CallTask.objects.filter(assignee=request.user, organization=org, due_date__lte=today)
        .exclude(status=CallTask.Status.CANCELLED)
        .exclude(status=CallTask.Status.DONE, due_date__lt=today)
        .select_related("customer", "strategy", "campaign", "customer__home_store")
        # Of the customer, only what the task block and its script show (her record has
        # dozens of columns; the queue builds one per task).
        .defer(*_CUSTOMER_UNUSED)
        # Activation calls (the quota) apart from routine revisits; in each, open tasks
        # first (by the strategy's priority), what is done today below them.
        .order_by(ROUTINE_LAST, "-status", "strategy__priority", "due_date", "id")
    )


def _last_paid_line_ids(org, customer_ids: list[int]):
    """A subquery: the id of each customer's last paid order line (through the
    (organization, customer, order_date) index, one probe per customer)."""
    last = (
        OrderLine.objects.filter(organization=org, customer_id=OuterRef("pk"), amount__gt=0)
        .order_by("-order_date", "-order_id", "line_no")
        .values("pk")[:1]
    )
    return Customer.objects.filter(pk__in=customer_ids).values(last_line=Subquery(last))


def _with_history(tasks: list[CallTask], staff=None, settings=None) -> list[CallTask]:
    if not tasks:
        return tasks
    ids = [t.customer_id for t in tasks]
    org = staff.organization if staff else tasks[0].organization
    # The last paid line of each customer, for the script's {last_item} and {last_visit}
    # and the upgrade offer: one line per customer, picked by the database.
    last_lines = {
        line.customer_id: line
        for line in OrderLine.objects.filter(pk__in=_last_paid_line_ids(org, ids))
        .select_related("item")
        # What the script and the trade-up offer read of the line and its item.
        .only("customer_id", "order_date", "quantity", "amount", "item__name", "item__category")
        .order_by()  # any order: not the model's, which joins the orders
    }
    labels = dict(Outcome.choices)
    # The last three contacts of each customer.
    history: dict[int, list] = {}
    for customer_id, contacted_at, outcome, note in (
        FollowUp.objects.annotate(
            recent=Window(
                RowNumber(), partition_by=F("customer_id"), order_by=F("contacted_at").desc()
            )
        )
        .filter(customer_id__in=ids, recent__lte=3)
        .order_by("customer_id", "recent")  # the page shows when and what, not who
        .values_list("customer_id", "contacted_at", "outcome", "note")
    ):
        label = str(labels.get(outcome, outcome))
        history.setdefault(customer_id, []).append(LastContact(contacted_at, label, note))
    done = dict(
        FollowUp.objects.filter(task__in=[t.pk for t in tasks]).values_list("task_id", "outcome")
    )
    # What a scheduled task is for (a post-treatment revisit, an intent follow-up...).
    reasons: dict[int, list[str]] = {}
    course_calls: set[int] = set()  # customers called about their course card
    due_by = max((t.due_date for t in tasks), default=None)
    for customer_id, reason in ScheduledContact.objects.filter(
        customer_id__in=ids, status=ScheduledContact.Status.PENDING, due_on__lte=due_by
    ).values_list("customer_id", "reason"):
        reasons.setdefault(customer_id, []).append(contact_reason_label(reason))
        if reason == COURSE_CARD_REASON:
            course_calls.add(customer_id)
    # Her course cards (sessions left, expiry) and what she holds to trade up from.
    today = local_date(org)
    cards = open_cards_of(ids, today)
    discounts = {
        t.pk: t.strategy.upgrade_discount
        for t in tasks
        if t.strategy and t.strategy.upgrade_discount and t.status == CallTask.Status.OPEN
    }
    trading = {t.customer_id for t in tasks if t.pk in discounts}
    stored = stored_items(trading, last_lines, today, cards=cards)
    course_script = course_card_settings(org).script if course_calls else ""
    offers = upgrade_offers(
        {t.pk: stored.get(t.customer_id) for t in tasks},
        discounts,
        org,
    )
    winback = winback_offers(ids, settings or outreach_settings(org))
    invitation_labels = dict(InvitationType.choices)
    # The task's links, reversed once for the page rather than once per task.
    customer_url, reveal_url = pk_link("customer"), pk_link("reveal_phone")
    for t in tasks:
        t.customer_url = customer_url(t.customer_id)
        t.reveal_url = reveal_url(t.customer_id)
        # The survey's choice shows on her next task, not on the call that recorded it.
        chosen = winback.get(t.customer_id) if t.status == CallTask.Status.OPEN else None
        _offer(t, chosen, invitation_labels)
        t.upgrade = offers.get(t.pk)
        t.history = history.get(t.customer_id, [])
        t.reasons = reasons.get(t.customer_id, []) if t.source == CallTask.Source.SCHEDULED else []
        t.recorded_outcome = done.get(t.pk)
        t.recorded_outcome_label = labels.get(t.recorded_outcome, t.recorded_outcome)
        t.course_cards = cards.get(t.customer_id, [])
        live_cards = [c for c in t.course_cards if not c.expired]
        if t.source == CallTask.Source.SCHEDULED and t.customer_id in course_calls:
            t.script = course_script or t.script
        if t.script:
            t.script_text = render_script(
                t.script,
                customer=t.customer,
                strategy=t.strategy,
                staff=staff,
                last_line=last_lines.get(t.customer_id),
                organization=org,
                offer=t.offer,
                course_card=live_cards[0] if live_cards else None,
            )
    return tasks


# An id no task has: a task's form is rendered once per page with it, then it is replaced
# by each task's id.
_MARKER_ID = 918_273_645_546_372_819


class TaskFormControls:
    """The controls of a task's form, the same for every task on the page: rendered once
    per page (the queue shows dozens of tasks, each with this form)."""

    def __init__(self, form: FollowUpForm):
        self.form = form
        self._forms: dict[bool, str] = {}

    def form_for(self, task: CallTask) -> str:
        """The task's whole form: rendered once per page (once with the survey open, once
        closed) for a marker id, which is replaced by the task's."""
        survey_open = task.segment == "A4" or self.survey_answered
        if survey_open not in self._forms:
            self._forms[survey_open] = self._render(
                "_task_form.html",
                pk=_MARKER_ID,
                record_url=pk_link("queue_record")(_MARKER_ID),
                fields_url=pk_link("queue_fields")(_MARKER_ID),
                controls=self,
                survey_open=survey_open,
            )
        return mark_safe(self._forms[survey_open].replace(str(_MARKER_ID), str(task.pk)))

    def _render(self, template: str, **context) -> str:
        return render_to_string(f"web/queue/{template}", {"form": self.form, **context})

    @cached_property
    def outcome_options(self) -> str:
        return self._render("_outcome_options.html")

    @cached_property
    def channel(self) -> str:
        return str(self.form["channel"])

    @cached_property
    def fields(self) -> str:
        return self._render("_fields.html", fields=self.form.visible_fields_for())

    @cached_property
    def opt_out(self) -> str:
        return self._render("_opt_out.html")

    @cached_property
    def survey(self) -> str:
        return self._render("_survey.html")

    @property
    def survey_answered(self) -> bool:
        return bool(self.form["satisfaction"].value())


def _offer(task: CallTask, winback, invitation_labels: dict) -> None:
    """What the task offers: the win-back offer the customer's survey reason picked,
    else the campaign's for her segment or tier, else the strategy's; the campaign's
    script and invitation type replace the strategy's while it runs."""
    override = task.campaign.override_for(task.segment, task.customer.tier) if task.campaign else {}
    strategy = task.strategy
    task.winback = winback
    task.offer = (
        winback.offer if winback else override.get("offer") or (strategy.offer if strategy else "")
    )
    task.script = override.get("script") or (strategy.script if strategy else "")
    invitation = override.get("invitation_type") or (strategy.invitation_type if strategy else "")
    task.invitation_label = invitation_labels.get(invitation, "")


@require_roles(QUEUE_ROLES)
def queue(request):
    org = request.user.organization
    settings = outreach_settings(org)  # read once: the offers and the progress use them
    tasks = _with_history(list(_my_tasks(request)), request.user, settings)
    controls = TaskFormControls(FollowUpForm(organization=org))
    may_reveal = may_reveal_phones(request.user)
    labels = Labels()
    for t in tasks:  # drawn in Python: the template, once per task, was half the page's time
        t.html = task_html(t, controls, may_reveal=may_reveal, labels=labels)
    context = {
        "tasks": tasks,
        "progress": progress(request, settings),
        "campaign": active_campaign(org, local_date(org)),
        "today": local_date(org),
    }
    return render(request, "web/queue/queue.html", context)


def _task(request, pk: int) -> CallTask:
    return get_object_or_404(
        CallTask.objects.select_related("customer", "strategy", "campaign"),
        pk=pk,
        assignee=request.user,
        organization=request.user.organization,
    )


@require_roles(QUEUE_ROLES)
def outcome_fields(request, pk: int):
    """The fields the chosen outcome asks for (swapped into the task's form), keeping
    what was already typed in them."""
    task = _task(request, pk)
    form = FollowUpForm(request.GET, organization=request.user.organization)
    return render(
        request, "web/queue/_fields.html", {"task": task, "fields": form.visible_fields_for()}
    )


@require_roles(QUEUE_ROLES)
@require_POST
def record(request, pk: int):
    task = _task(request, pk)
    org = request.user.organization
    form = FollowUpForm(request.POST, organization=org)
    error = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            record_followup(
                task,
                actor=request.user,
                channel=d["channel"],
                outcome=d["outcome"],
                intent=d["intent"],
                decline_reason=d["decline_reason"],
                note=d["note"],
                appointment_at=d["appointment_at"],
                event_on=d["event_on"],
                next_campaign_on=d["next_campaign_on"],
                opt_out_channels=form.opted_out_channels(),
                satisfaction=d["satisfaction"],
                dissatisfaction_reason=d["dissatisfaction_reason"],
            )
        except FollowUpError as exc:
            error = str(exc)
    else:
        error = form.error_text()
    task.refresh_from_db()
    [task] = _with_history([task], request.user)
    # After an error the form comes back as it was sent: outcome, its fields, note, channel.
    form = form if error else FollowUpForm(organization=org)
    return render(
        request,
        "web/queue/_task.html",
        {
            "task": task,
            "controls": TaskFormControls(form),
            "error": error,
            "may_reveal": may_reveal_phones(request.user),
            "progress": progress(request),
            "oob": True,
        },
    )
