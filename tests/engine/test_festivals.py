"""The festival calendar and the set-based journey planner, without Django."""

from datetime import date

import polars as pl
import pytest

from revisit.engine.festivals import holiday_on, lunar_keys, lunar_of, solar_keys
from revisit.engine.journey_plan import ActionSpec, JourneySpec, plan_touches

# Published dates (the State Council's holiday notices; almanac).
LUNAR_FESTIVALS = {
    ("spring", 2026): date(2026, 2, 17),
    ("spring", 2027): date(2027, 2, 6),
    ("spring", 2028): date(2028, 1, 26),
    ("dragon_boat", 2026): date(2026, 6, 19),
    ("dragon_boat", 2027): date(2027, 6, 9),
    ("dragon_boat", 2028): date(2028, 5, 28),
    ("mid_autumn", 2026): date(2026, 9, 25),
    ("mid_autumn", 2027): date(2027, 9, 15),
    ("mid_autumn", 2028): date(2028, 10, 3),
}


@pytest.mark.parametrize(("key", "expected"), LUNAR_FESTIVALS.items())
def test_lunar_festivals_fall_on_their_published_solar_dates(key, expected):
    assert holiday_on(*key) == expected


def test_fathers_day_is_the_third_sunday_of_june():
    assert holiday_on("father", 2026) == date(2026, 6, 21)
    assert holiday_on("father", 2027) == date(2027, 6, 20)
    assert holiday_on("father", 2028) == date(2028, 6, 18)


def test_a_lunar_day_30_is_kept_on_day_29_of_a_short_month():
    # Lunar 2026 八月 has 29 days; its 29th is 2026-10-09 (the 30th of a long month
    # would be the next day, which is 九月初一).
    assert lunar_of(date(2026, 10, 9)) == (2026, 8, 29)
    assert lunar_keys(date(2026, 10, 9)) == [(8, 29), (8, 30)]
    assert lunar_of(date(2026, 10, 10)) == (2026, 9, 1)
    # 九月 of 2026 has 30 days: its 30th is its own.
    assert lunar_keys(date(2026, 11, 8)) == [(9, 30)]


def test_no_lunar_birthday_in_a_leap_month():
    # 2025 has a leap sixth month (闰六月): 2025-07-26 is in it.
    assert lunar_of(date(2025, 7, 26))[1] == -6
    assert lunar_keys(date(2025, 7, 26)) == []


def test_29_february_is_kept_on_28_february_in_a_common_year():
    assert (2, 29) in solar_keys(date(2027, 2, 28))
    assert (2, 29) not in solar_keys(date(2028, 2, 28))


def _customers(rows):
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.Int64,
            "tier": pl.Utf8,
            "member": pl.Boolean,
            "birthday": pl.Date,
            "birthday_is_lunar": pl.Boolean,
            "wedding": pl.Date,
            "occupation": pl.Utf8,
            "member_since": pl.Date,
        },
        orient="row",
    )


NO_ORDERS = pl.DataFrame(schema={"customer_id": pl.Int64, "order_date": pl.Date})


def test_the_planner_matches_tier_and_membership_rows():
    customers = _customers(
        [
            (1, "A", True, None, False, None, "", date(2020, 1, 1)),
            (2, "C", True, None, False, None, "", date(2020, 1, 1)),
            (3, "C", False, None, False, None, "", None),
            (4, "B", True, None, False, None, "teacher", date(2020, 1, 1)),
        ]
    )
    journeys = [
        JourneySpec(
            1,
            "holiday",
            holiday="spring",
            actions=(
                ActionSpec(10, "A", "member"),
                ActionSpec(11, "C", "member"),
                ActionSpec(12, "", "non_member"),
            ),
        ),
        JourneySpec(2, "holiday", holiday="teacher", days=1, actions=(ActionSpec(20),)),
    ]
    touches = plan_touches(customers, NO_ORDERS, journeys, date(2026, 1, 1), date(2026, 12, 31))
    got = sorted(touches.select("action_id", "customer_id", "fires_on").iter_rows())
    assert got == [
        (10, 1, date(2026, 2, 17)),
        (11, 2, date(2026, 2, 17)),
        (12, 3, date(2026, 2, 17)),
        (20, 4, date(2026, 9, 9)),
    ]


def test_a_lunar_birthday_fires_on_its_solar_date_each_year():
    # Born on lunar 8-15 (a 中秋 birthday), stored as 1990-08-15 with the lunar flag.
    customers = _customers([(1, "B", True, date(1990, 8, 15), True, None, "", None)])
    journeys = [JourneySpec(1, "birthday", actions=(ActionSpec(1),))]
    touches = plan_touches(customers, NO_ORDERS, journeys, date(2026, 1, 1), date(2028, 12, 31))
    assert touches["fires_on"].to_list() == [
        date(2026, 9, 25),
        date(2027, 9, 15),
        date(2028, 10, 3),
    ]
