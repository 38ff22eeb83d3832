"""A queue task's block, drawn in Python (the queue shows dozens of tasks, a caller's well
over a hundred): drawn through the template engine, once per task, it took about half of
the page's server time (the customers table's rows are drawn in views/customers.py). web/queue/_task.html stays the reference and draws a single task after a call is
recorded; tests compare both on every kind of task (tests/web/test_rows.py).

Every value goes through `_value`, which is what the template engine does to a variable
(local time, localized numbers and dates, escaped), so the output is the template's, byte
for byte."""

from html import escape as html_escape

from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.utils.dateformat import format as date_format
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from revisit.customers.phones import mask_phone
from revisit.grading.models import Segment
from revisit.outreach.models import CallTask


def _value(value) -> str:
    """A variable as `{{ value }}` draws it (django.template.base.render_value_in_context)."""
    kind = type(value)
    if kind is str:  # most values: text, which only needs escaping (as Django's escape)
        return html_escape(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:  # ids
        return str(value)
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


class Labels:
    """The task block's fixed words in the active language, looked up once per page."""

    def __init__(self):
        self.show_number = gettext("Show number")
        self.scheduled = gettext("Scheduled")
        self.carried_over = gettext("carried over since %(d)s")
        self.campaign = gettext("Campaign")
        self.winback = gettext("Win-back offer")
        self.offer = gettext("Offer")
        self.upgrade = gettext(
            "Trade up to %(target)s: %(price)s × %(discount)s − %(value)s (%(stored)s) = "
            "<strong>%(total)s</strong> yuan"
        )
        self.script = gettext("Script")
        self.last_contacts = gettext("Last contacts")
        self.recorded = gettext("Recorded")
        self.not_graded = gettext("Not graded")


def task_html(task: CallTask, controls, *, may_reveal: bool, labels: Labels) -> SafeString:
    """web/queue/_task.html for one task of the page (no error, no progress block)."""
    customer = task.customer
    pk = _value(task.pk)
    done = task.status == CallTask.Status.DONE
    out = [
        f'<div class="task{" done" if done else ""}" id="task-{pk}">\n  <div>\n',
        f'    <strong><a href="{_value(task.customer_url)}">'
        f"{_value(customer.name or customer.code)}</a></strong>\n",
        f'    <span class="muted">{_value(customer.code)}</span>\n    \n',
        f'    <span id="phone-{pk}">{_value(mask_phone(customer.mobile or ""))}\n    ',
    ]
    if may_reveal and customer.mobile and task.status == CallTask.Status.OPEN:
        out.append(
            f'<button class="secondary" hx-post="{_value(task.reveal_url)}" '
            f'hx-target="#phone-{pk}" hx-swap="innerHTML">{labels.show_number}</button>'
        )
    out.append("</span>\n    ")
    if task.segment:
        name = labels.not_graded if task.segment == Segment.NONE else task.segment
        out.append(f'<span class="badge">{_value(name)}</span>')
    out.append("\n    ")
    if task.source == CallTask.Source.SCHEDULED:
        out.append(f'<span class="badge warn">{labels.scheduled}')
        if task.reasons:
            out.append(" · " + "、".join(conditional_escape(r) for r in task.reasons))
        out.append("</span>")
    out.append("\n    ")
    if task.due_date != task.first_due_date and task.first_due_date:
        text = labels.carried_over % {"d": _value(task.first_due_date)}
        out.append(f'<span class="badge warn">{text}</span>')
    out.append("\n  </div>\n  ")
    if task.campaign:
        out.append(
            f'<div class="campaign"><span class="badge">{labels.campaign}: '
            f"{_value(task.campaign.name)}</span></div>"
        )
    out.append("\n  ")
    winback = task.winback
    if winback:
        out.append(
            f'<div class="winback" data-reason="{_value(winback.reason)}">{labels.winback} '
            f"({_value(winback.reason_label)}): <strong>{_value(winback.offer)}</strong></div>"
        )
    out.append("\n  ")
    if task.strategy or task.offer:
        out.append('<div class="muted">')
        if task.strategy:
            out.append(_value(task.strategy.name))
        if task.invitation_label:
            out.append(" · " + _value(task.invitation_label))
        if task.offer and not winback:
            out.append(f' · {labels.offer}: <span class="offer">{_value(task.offer)}</span>')
        out.append("</div>")
    out.append("\n  ")
    for card in task.course_cards:
        out.append(
            f'<div class="course-card{" muted" if card.expired else ""}" '
            f'data-sessions="{_value(card.sessions_left)}">{_value(card.line())}</div>'
        )
    out.append("\n  ")
    upgrade = task.upgrade
    if upgrade:
        text = labels.upgrade % {
            "target": _value(upgrade.target_item),
            "price": _value(upgrade.target_price),
            "discount": _value(upgrade.discount),
            "stored": _value(upgrade.stored_item),
            "value": _value(upgrade.stored_value),
            "total": _value(upgrade.price),
        }
        out.append(f'<div class="upgrade-offer" data-price="{_value(upgrade.price)}">{text}</div>')
    out.append("\n  ")
    script = getattr(task, "script_text", "")  # set only for a task with a script
    if script:
        out.append(
            f'<details class="script"><summary>{labels.script}</summary>'
            f"<p>{linebreaksbr(script, autoescape=True)}</p></details>"
        )
    out.append("\n  ")
    if task.history:
        contacts = []
        for f in task.history:
            when = date_format(template_localtime(f.contacted_at), "m-d")
            text = f"{conditional_escape(when)} {_value(f.outcome_label)}"
            if f.note:
                text += f" ({conditional_escape(Truncator(f.note).chars(30))})"
            contacts.append(text)
        out.append(f'<div class="muted">{labels.last_contacts}: {"; ".join(contacts)}</div>')
    out.append("\n  ")
    if done:
        out.append(
            f'\n    <div class="badge" data-outcome="{_value(task.recorded_outcome)}">'
            f"{labels.recorded}: {_value(task.recorded_outcome_label)}</div>\n  "
        )
    else:
        out.append(f"\n    \n    {controls.form_for(task)}\n  ")
    out.append("\n</div>\n\n")
    return mark_safe("".join(out))
