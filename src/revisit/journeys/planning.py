"""Read an organization's journeys and customers into the set-based planner
(revisit.engine.journey_plan), and say which of a day's touches are already done."""

from datetime import date, timedelta

import polars as pl
from django.db.models import Sum

from revisit.customers.models import Customer
from revisit.engine.journey_plan import AFTER, ActionSpec, JourneySpec, plan_touches
from revisit.journeys.models import JourneyFiring
from revisit.journeys.services import JourneyError, journeys_of, parse_season_days
from revisit.sales.models import OrderLine
from revisit.wallet.points_models import MembershipCard, MembershipStatus

CUSTOMER_SCHEMA = {
    "customer_id": pl.Int64,
    "tier": pl.Utf8,
    "birthday": pl.Date,
    "birthday_is_lunar": pl.Boolean,
    "wedding": pl.Date,
    "occupation": pl.Utf8,
}


def specs(journeys) -> list[JourneySpec]:
    found = []
    for journey in journeys:
        if not journey.is_active:
            continue
        try:
            season = parse_season_days(journey.season_days)
        except JourneyError:
            season = ()
        found.append(
            JourneySpec(
                id=journey.pk,
                kind=journey.trigger,
                days=journey.days,
                holiday=journey.holiday,
                event_on=journey.event_on,
                season_days=season,
                actions=tuple(
                    ActionSpec(id=a.pk, tier=a.tier, membership=a.membership)
                    for a in journey.actions.all()
                ),
            )
        )
    return found


def customer_frame(organization, customers=None) -> pl.DataFrame:
    """The planner's customers: tier (none yet counts as C), formal membership and
    since when, dates and occupation group."""
    customers = customers if customers is not None else Customer.objects.all()
    rows = customers.filter(organization=organization).values_list(
        "pk", "tier", "birthday", "birthday_is_lunar", "wedding_anniversary", "occupation_group"
    )
    frame = pl.DataFrame(
        list(rows.iterator(chunk_size=20_000)), schema=CUSTOMER_SCHEMA, orient="row"
    )
    cards = pl.DataFrame(
        list(
            MembershipCard.objects.filter(
                organization=organization, status=MembershipStatus.FORMAL
            ).values_list("customer_id", "formal_on")
        ),
        schema={"customer_id": pl.Int64, "member_since": pl.Date},
        orient="row",
    )
    return frame.join(cards, on="customer_id", how="left").with_columns(
        pl.when(pl.col("tier").is_in(["SVIP", "A", "B", "C"]))
        .then(pl.col("tier"))
        .otherwise(pl.lit("C"))
        .alias("tier"),
        pl.col("customer_id").is_in(cards["customer_id"].implode()).alias("member"),
    )


def order_frame(organization, start: date, end: date, journeys: list[JourneySpec]) -> pl.DataFrame:
    """(customer_id, order_date, amount) of the purchase days the journeys after a
    purchase can fire for between `start` and `end`."""
    days = [j.days for j in journeys if j.kind in AFTER]
    schema = {"customer_id": pl.Int64, "order_date": pl.Date, "amount": pl.Utf8}
    if not days:
        return pl.DataFrame(schema=schema)
    rows = (
        OrderLine.objects.filter(
            organization=organization,
            order_date__gte=start - timedelta(days=max(days)),
            order_date__lte=end - timedelta(days=min(days)),
        )
        .values("customer_id", "order_date")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .values_list("customer_id", "order_date", "total")
    )
    return pl.DataFrame([(c, d, f"{t:,.2f}") for c, d, t in rows], schema=schema, orient="row")


def plan(organization, start: date, end: date, *, customers=None):
    """(journeys by id, touches, orders) of the organization from `start` to `end`."""
    journeys = {j.pk: j for j in journeys_of(organization)}
    wanted = specs(journeys.values())
    orders = order_frame(organization, start, end, wanted)
    touches = plan_touches(customer_frame(organization, customers), orders, wanted, start, end)
    return journeys, touches, orders


def not_yet_fired(touches: pl.DataFrame) -> pl.DataFrame:
    """`touches` less those whose (journey, customer, trigger date) already fired."""
    if touches.is_empty():
        return touches
    done = JourneyFiring.objects.filter(
        journey_id__in=touches["journey_id"].unique().to_list(),
        occurs_on__in=touches["occurs_on"].unique().to_list(),
    ).values_list("journey_id", "customer_id", "occurs_on")
    fired = pl.DataFrame(
        list(done.iterator(chunk_size=20_000)),
        schema={"journey_id": pl.Int64, "customer_id": pl.Int64, "occurs_on": pl.Date},
        orient="row",
    )
    return touches.join(fired, on=["journey_id", "customer_id", "occurs_on"], how="anti")
