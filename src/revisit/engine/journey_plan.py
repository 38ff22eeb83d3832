"""Plan the touches of timed journeys over a range of days, set-based (no loop over
customers): the calendar of the range is a small table of (fires on, occurs on, key)
rows, joined to the customers on their dates, then to each journey's action rows on
(tier, member). No Django.

Input contract
--------------
customers: ``customer_id`` (Int64), ``tier`` (Utf8: SVIP/A/B/C), ``member`` (Boolean),
``birthday`` (Date, null), ``birthday_is_lunar`` (Boolean), ``wedding`` (Date, null),
``occupation`` (Utf8), ``member_since`` (Date, null: the day she became a formal member).

orders: ``customer_id`` (Int64), ``order_date`` (Date): the days she bought something.

Output: one row per touch: ``journey_id``, ``action_id``, ``customer_id``, ``occurs_on``
(the trigger's date: the purchase, the holiday, this year's birthday …) and ``fires_on``
(the day the touch is made).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from revisit.engine.festivals import (
    HOLIDAY_OCCUPATION,
    holiday_on,
    lunar_keys,
    solar_keys,
)

PURCHASE = "purchase"
CARD_PICKUP = "card_pickup"
HOLIDAY = "holiday"
BIRTHDAY = "birthday"
WEDDING = "wedding"
MEMBERSHIP = "membership"
NEW_SEASON = "new_season"
EVENT = "event"
# Kinds whose `days` count after the trigger; the others count before it.
AFTER = {PURCHASE, CARD_PICKUP}
TIERS = ["SVIP", "A", "B", "C"]
OUTPUT = {
    "journey_id": pl.Int64,
    "action_id": pl.Int64,
    "customer_id": pl.Int64,
    "occurs_on": pl.Date,
    "fires_on": pl.Date,
}


@dataclass(frozen=True)
class ActionSpec:
    id: int
    tier: str = ""  # "" any tier
    membership: str = "any"  # any / member / non_member


@dataclass(frozen=True)
class JourneySpec:
    id: int
    kind: str
    days: int = 0
    holiday: str = ""
    event_on: date | None = None
    season_days: tuple[tuple[int, int], ...] = ()
    actions: tuple[ActionSpec, ...] = field(default_factory=tuple)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUT)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _fixed_dates(journey: JourneySpec, start: date, end: date) -> list[tuple[date, date]]:
    """(occurs on, fires on) of a journey on fixed dates (holiday, season, event)."""
    found = []
    years = range(start.year - 1, end.year + 2)
    if journey.kind == HOLIDAY:
        triggers = [holiday_on(journey.holiday, y) for y in years]
    elif journey.kind == NEW_SEASON:
        triggers = []
        for y in years:
            for m, d in journey.season_days:
                try:
                    triggers.append(date(y, m, d))
                except ValueError:
                    continue
    else:
        triggers = [journey.event_on] if journey.event_on else []
    for trigger in triggers:
        fires = trigger - timedelta(days=journey.days)
        if start <= fires <= end:
            found.append((trigger, fires))
    return found


def _keyed_days(start: date, end: date, days_before: int, lunar: bool) -> pl.DataFrame:
    """(fires_on, occurs_on, k_month, k_day): the stored (month, day) celebrated on each
    trigger day of the range."""
    rows = []
    for fires in _days(start, end):
        trigger = fires + timedelta(days=days_before)
        keys = lunar_keys(trigger) if lunar else solar_keys(trigger)
        rows.extend((fires, trigger, m, d) for m, d in keys)
    return pl.DataFrame(
        rows,
        schema={
            "fires_on": pl.Date,
            "occurs_on": pl.Date,
            "k_month": pl.Int8,
            "k_day": pl.Int8,
        },
        orient="row",
    )


def _anniversaries(
    customers: pl.LazyFrame, column: str, journey: JourneySpec, start: date, end: date
) -> pl.LazyFrame:
    dated = customers.filter(pl.col(column).is_not_null()).with_columns(
        pl.col(column).dt.month().cast(pl.Int8).alias("k_month"),
        pl.col(column).dt.day().cast(pl.Int8).alias("k_day"),
    )
    solar_days = _keyed_days(start, end, journey.days, lunar=False).lazy()
    if column == "birthday":
        solar = dated.filter(~pl.col("birthday_is_lunar")).join(solar_days, on=["k_month", "k_day"])
        lunar_days = _keyed_days(start, end, journey.days, lunar=True).lazy()
        lunar = dated.filter(pl.col("birthday_is_lunar")).join(lunar_days, on=["k_month", "k_day"])
        joined = pl.concat([solar, lunar])
    else:
        joined = dated.join(solar_days, on=["k_month", "k_day"])
    # Only after the date itself: no wedding anniversary on the wedding day.
    return joined.filter(pl.col("occurs_on") > pl.col(column))


def _triggered(
    customers: pl.LazyFrame, orders: pl.LazyFrame, journey: JourneySpec, start: date, end: date
) -> pl.LazyFrame:
    """(customer_id, tier, member, occurs_on, fires_on) of one journey."""
    base = customers.select("customer_id", "tier", "member", "member_since", "occupation")
    if journey.kind in AFTER:
        shift = pl.duration(days=journey.days)
        fired = orders.with_columns(
            pl.col("order_date").alias("occurs_on"),
            (pl.col("order_date") + shift).cast(pl.Date).alias("fires_on"),
        ).filter(pl.col("fires_on").is_between(start, end))
        joined = (
            fired.select("customer_id", "occurs_on", "fires_on")
            .unique()
            .join(base, on="customer_id")
        )
        if journey.kind == CARD_PICKUP:
            joined = joined.filter(pl.col("member_since") == pl.col("occurs_on"))
        return joined
    if journey.kind in (HOLIDAY, NEW_SEASON, EVENT):
        dates = _fixed_dates(journey, start, end)
        if not dates:
            return base.head(0).with_columns(
                pl.lit(None, pl.Date).alias("occurs_on"), pl.lit(None, pl.Date).alias("fires_on")
            )
        occupation = HOLIDAY_OCCUPATION.get(journey.holiday) if journey.kind == HOLIDAY else None
        if occupation:
            base = base.filter(pl.col("occupation") == occupation)
        calendar = pl.DataFrame(
            dates, schema={"occurs_on": pl.Date, "fires_on": pl.Date}, orient="row"
        ).lazy()
        return base.join(calendar, how="cross")
    column = {BIRTHDAY: "birthday", WEDDING: "wedding", MEMBERSHIP: "member_since"}[journey.kind]
    return _anniversaries(customers, column, journey, start, end)


def _action_rows(journeys: list[JourneySpec]) -> pl.LazyFrame:
    rows = []
    for journey in journeys:
        for action in journey.actions:
            tiers = [action.tier] if action.tier else TIERS
            members = {"member": [True], "non_member": [False]}.get(
                action.membership, [True, False]
            )
            rows.extend((journey.id, action.id, t, m) for t in tiers for m in members)
    return pl.DataFrame(
        rows,
        schema={
            "journey_id": pl.Int64,
            "action_id": pl.Int64,
            "tier": pl.Utf8,
            "member": pl.Boolean,
        },
        orient="row",
    ).lazy()


def plan_touches(
    customers: pl.DataFrame,
    orders: pl.DataFrame,
    journeys: list[JourneySpec],
    start: date,
    end: date,
) -> pl.DataFrame:
    """Every touch of `journeys` firing from `start` to `end` (both included)."""
    journeys = [j for j in journeys if j.actions]
    if not journeys or customers.is_empty():
        return _empty()
    people = customers.lazy()
    bought = orders.lazy().select("customer_id", "order_date")
    parts = [
        _triggered(people, bought, journey, start, end)
        .select("customer_id", "tier", "member", "occurs_on", "fires_on")
        .with_columns(pl.lit(journey.id, pl.Int64).alias("journey_id"))
        for journey in journeys
    ]
    touches = pl.concat(parts).join(_action_rows(journeys), on=["journey_id", "tier", "member"])
    return touches.select(list(OUTPUT)).collect()
