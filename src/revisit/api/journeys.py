"""The journeys API (read only): the organization's timed journeys with their actions, and
a day's planned touches with the reason a message would be held back. The same roles as
the journeys settings page (admin, region supervisor, store manager); the touches are
those of the caller's own customers."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from revisit.api.schemas import Day
from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.journeys.services import journeys_of
from revisit.journeys.tick import preview_day, suppression_summary
from revisit.web.permissions import SETTINGS_VIEW_ROLES, has_any
from revisit.web.views.journeys import action_label, when

router = Router(tags=["journeys"])
MAX_TOUCHES = 1000


class JourneyActionOut(Schema):
    kind: str = Field(description="send | call | store_task")
    tier: str = Field(description="SVIP, A, B, C, or empty for every tier")
    membership: str = Field(description="any | member | non_member")
    label: str
    template_id: int | None
    task: str
    due_days: int


class JourneyOut(Schema):
    id: int
    name: str
    trigger: str
    holiday: str
    days: int
    when: str
    is_active: bool
    actions: list[JourneyActionOut]


class TouchOut(Schema):
    customer_id: int
    code: str
    journey: str
    occurs_on: date
    tier: str
    channel: str
    action: str
    template: str
    reason: str = Field(description="why a message would not be sent (empty: it would be)")
    reason_label: str
    fired: bool


class HeldOut(Schema):
    reason: str
    count: int


class PreviewOut(Schema):
    date: date
    messages: int
    to_send: int
    held: list[HeldOut]
    other: int = Field(description="calls and store tasks")
    total: int
    touches: list[TouchOut] = Field(description=f"the first {MAX_TOUCHES}")


class PreviewQuery(Schema):
    date: Day | None = Field(None, description="YYYY-MM-DD; tomorrow when left out")


def _reader(request):
    if not has_any(request.auth, SETTINGS_VIEW_ROLES):
        raise PermissionDenied
    return request.auth


@router.get("/journeys", response=list[JourneyOut])
def list_journeys(request):
    """The organization's journeys (the defaults are installed on first use)."""
    staff = _reader(request)
    return [
        {
            "id": journey.pk,
            "name": journey.name,
            "trigger": journey.trigger,
            "holiday": journey.holiday,
            "days": journey.days,
            "when": when(journey),
            "is_active": journey.is_active,
            "actions": [
                {
                    "kind": action.kind,
                    "tier": action.tier,
                    "membership": action.membership,
                    "label": action_label(action),
                    "template_id": action.template_id,
                    "task": action.task,
                    "due_days": action.due_days,
                }
                for action in journey.actions.all()
            ],
        }
        for journey in journeys_of(staff.organization)
    ]


@router.get("/journeys/preview", response=PreviewOut)
def preview_journeys(request, query: Query[PreviewQuery]):
    """The touches planned for a day among the caller's customers, with the messages the
    rules would hold back counted by reason."""
    staff = _reader(request)
    organization = staff.organization
    day = query.date or local_date(organization) + timedelta(days=1)
    touches = preview_day(organization, day, customers=visible_customers(staff))
    summary = suppression_summary(touches)
    return {
        "date": day,
        "messages": summary["messages"],
        "to_send": summary["to_send"],
        "held": [{"reason": label, "count": count} for label, count in summary["held"]],
        "other": summary["other"],
        "total": len(touches),
        "touches": [touch.__dict__ for touch in touches[:MAX_TOUCHES]],
    }
