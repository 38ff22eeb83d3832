"""Campaigns: a dated plan with its targets and offers, created, edited and ended by the
organization's admin; the customers who declined (有效三级) or could not be reached
(无效一级) last time are invited again when the next campaign for them starts."""

from datetime import date

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.changes import jsonable, save_changes
from revisit.core.clock import day_bounds, local_date
from revisit.core.models import Organization, Staff
from revisit.customers.models import Customer
from revisit.grading.models import Grade
from revisit.grading.reads import current_inventory
from revisit.outreach.models import Campaign, FollowUp, Outcome, ScheduledContact
from revisit.sales.models import OrderLine

FIELDS = ["name", "starts_on", "ends_on", "segments", "tiers", "categories", "offer", "overrides"]
OVERRIDE_KEYS = ("offer", "script", "invitation_type")
REINVITE_OUTCOMES = [Outcome.VALID_3, Outcome.INVALID_1]
REINVITE_REASON = "campaign"


class CampaignError(ValueError):
    """A campaign the services refuse; the message is for the user."""


def campaigns_on(organization: Organization | int, day: date) -> QuerySet[Campaign]:
    """The campaigns running on `day` (at most one: overlaps are refused)."""
    org_id = getattr(organization, "pk", organization)
    return Campaign.objects.filter(
        organization_id=org_id, starts_on__lte=day, ends_on__gte=day
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def active_campaign(organization: Organization | int, day: date) -> Campaign | None:
    return campaigns_on(organization, day).order_by("starts_on", "id").first()


def _check(organization: Organization, values: dict, *, exclude: int | None = None) -> None:
    starts, ends = values["starts_on"], values["ends_on"]
    if ends < starts:
        raise CampaignError(_("The campaign cannot end before it starts."))
    if not (values.get("segments") or values.get("tiers") or values.get("categories")):
        raise CampaignError(_("Choose at least one segment, tier or item category."))
    for other in Campaign.objects.filter(organization=organization).exclude(pk=exclude):
        if other.starts_on <= ends and starts <= other.last_day:
            raise CampaignError(
                _("It overlaps the campaign %(name)s (%(start)s – %(end)s).")
                % {"name": other.name, "start": other.starts_on, "end": other.last_day}
            )


def create_campaign(organization: Organization, values: dict, *, actor: Staff) -> Campaign:
    """A new campaign (name, dates, targets, offers); refused when its dates are the wrong
    way round or overlap another campaign."""
    with transaction.atomic():
        Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
        _check(organization, values)
        campaign = Campaign.objects.create(organization=organization, **values)
        record_event(
            organization,
            actor=actor,
            action="campaign.create",
            target=campaign,
            changed={f: {"before": None, "after": jsonable(values.get(f))} for f in FIELDS},
        )
    return campaign


def update_campaign(campaign: Campaign, values: dict, *, actor: Staff) -> dict:
    """Change a campaign; the same checks as when it was created."""
    with transaction.atomic():
        Organization.objects.select_for_update().only("pk").get(pk=campaign.organization_id)
        _check(campaign.organization, values, exclude=campaign.pk)
        return save_changes(campaign, values, actor=actor, action="campaign.edit")


def end_campaign(campaign: Campaign, *, actor: Staff, now=None) -> Campaign:
    """End a campaign today: it is no longer active from today (one not yet started is
    called off)."""
    today = local_date(campaign.organization, now or timezone.now())
    if campaign.ended_on is not None or campaign.last_day < today:
        raise CampaignError(_("The campaign has already ended."))
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(ended_on=today)
        record_event(
            campaign.organization,
            actor=actor,
            action="campaign.end",
            target=campaign,
            ended_on=today.isoformat(),
        )
    campaign.refresh_from_db()
    return campaign


def reinvitees(campaign: Campaign) -> QuerySet[Customer]:
    """Customers whose last contact before the campaign ended in 有效三级 or 无效一级 and
    whom the campaign targets: by her segment in the published inventory, her tier, or an
    item category she bought."""
    org = campaign.organization
    start, _end = day_bounds(org, campaign.starts_on)
    latest = FollowUp.objects.filter(customer=OuterRef("pk")).order_by("-contacted_at", "-id")
    targeted = Q(tier__in=campaign.tiers) if campaign.tiers else Q(pk__in=[])
    inventory = current_inventory(org, on=campaign.starts_on)
    if campaign.segments and inventory is not None:
        targeted |= Q(
            pk__in=Grade.objects.filter(inventory=inventory, segment__in=campaign.segments).values(
                "customer_id"
            )
        )
    if campaign.categories:
        targeted |= Q(
            pk__in=OrderLine.objects.filter(
                organization=org, item__category__in=campaign.categories
            ).values("customer_id")
        )
    return (
        Customer.objects.filter(organization=org)
        .annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_contact_at=Subquery(latest.values("contacted_at")[:1]),
        )
        .filter(targeted, last_outcome__in=REINVITE_OUTCOMES, last_contact_at__lt=start)
    )


def reinvite(campaign: Campaign, *, now=None) -> int:
    """Schedule a contact on the campaign's first day (or today, when the tick runs later)
    for each of its re-invitees, replacing their pending "call again later" contacts.
    Runs once per campaign: the campaign is claimed with a conditional update, so a tick
    run twice, or two at once, schedules nothing twice. Returns how many were scheduled."""
    now = now or timezone.now()
    org = campaign.organization
    with transaction.atomic():
        claimed = Campaign.objects.filter(pk=campaign.pk, reinvited_at__isnull=True).update(
            reinvited_at=now
        )
        if not claimed:
            return 0
        due_on = max(campaign.starts_on, local_date(org, now))
        ids = list(reinvitees(campaign).values_list("pk", flat=True))
        ScheduledContact.objects.filter(
            customer_id__in=ids,
            status=ScheduledContact.Status.PENDING,
            reason__in=["declined", "retry"],
        ).update(status=ScheduledContact.Status.CANCELLED)
        ScheduledContact.objects.bulk_create(
            [
                ScheduledContact(
                    organization=org, customer_id=pk, due_on=due_on, reason=REINVITE_REASON
                )
                for pk in ids
            ],
            batch_size=2000,
        )
        record_event(
            org, actor=None, action="campaign.reinvite", target=campaign, scheduled=len(ids)
        )
    return len(ids)


def reinvite_started(organization: Organization, *, now=None) -> int:
    """The tick: re-invite for every campaign that has started and is still running."""
    now = now or timezone.now()
    today = local_date(organization, now)
    return sum(
        reinvite(c, now=now)
        for c in campaigns_on(organization, today).filter(reinvited_at__isnull=True)
    )
