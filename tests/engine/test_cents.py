"""Order lines in integer cents: exact to the cent, refunds net, any order or range."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from revisit.engine import TierConfig, cumulative_spend, grade, order_lines, rfm_summary

AS_OF = date(2024, 6, 30)


def cents_frame(rows: list[tuple[int, date, int]]) -> pl.DataFrame:
    """Order lines from (customer_id, order_date, amount_cents) tuples."""
    return pl.DataFrame(
        rows,
        schema={"customer_id": pl.Int64, "order_date": pl.Date, "amount_cents": pl.Int64},
        orient="row",
    )


def by_id(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["customer_id"]: row for row in frame.iter_rows(named=True)}


def both_orders(lines: pl.DataFrame) -> list[pl.DataFrame]:
    """The lines clustered by customer then date (fast path) and reversed (hash path)."""
    clustered = lines.sort("customer_id", "order_date")
    assert order_lines(clustered).clustered and not order_lines(clustered.reverse()).clustered
    return [clustered, clustered.reverse()]


def test_one_cent_purchases_and_refunds_count_to_the_cent():
    lines = cents_frame(
        [
            (1, date(2024, 6, 1), 1),  # a 0.01 purchase is a visit
            (2, date(2024, 6, 1), 1),
            (2, date(2024, 6, 1), -1),  # refunded the same day: net 0, still one visit
            (3, date(2024, 6, 2), 0),  # a zero line is no visit
            (4, date(2024, 6, 3), -5000),  # only a refund: not graded
            (5, date(2024, 5, 1), 1000),
            (5, date(2024, 6, 10), -3000),  # refunds more than was bought: M is negative
        ]
    )
    for frame in both_orders(lines):
        rows = by_id(rfm_summary(frame, as_of=AS_OF))
        assert set(rows) == {1, 2, 5}
        assert (rows[1]["monetary_cents"], rows[1]["monetary"]) == (1, Decimal("0.01"))
        assert (rows[2]["monetary_cents"], rows[2]["frequency"]) == (0, 1)
        assert rows[5]["monetary"] == Decimal("-20.00") and rows[5]["frequency"] == 1
        assert rows[5]["recency_days"] == 60  # the refund is not the last purchase
        spend = by_id(cumulative_spend(frame, AS_OF))
        assert spend[4]["spend_cents"] == -5000 and spend[3]["spend"] == Decimal("0.00")


def test_a_refund_between_two_purchases_on_one_day_is_one_visit():
    lines = cents_frame(
        [
            (1, date(2024, 6, 1), 500),
            (1, date(2024, 6, 1), -500),
            (1, date(2024, 6, 1), 700),
            (1, date(2024, 6, 2), -100),
            (2, date(2024, 6, 2), -100),  # a refund first, on the day customer 1 refunded
            (2, date(2024, 6, 2), 300),
        ]
    )
    for frame in both_orders(lines):
        rows = by_id(rfm_summary(frame, as_of=AS_OF))
        assert (rows[1]["frequency"], rows[1]["monetary_cents"]) == (1, 600)
        assert (rows[2]["frequency"], rows[2]["last_order_date"]) == (1, date(2024, 6, 2))


def test_big_sums_stay_exact():
    # 10 lines of 9,876,543,210,987.65 and one cent sum to more than 2**53 cents, where
    # a float rounds; cents and the Decimal keep every digit.
    big = 987_654_321_098_765
    lines = cents_frame([(1, date(2024, 1, d), big) for d in range(1, 11)] + [(1, AS_OF, 1)])
    for frame in both_orders(lines):
        row = by_id(rfm_summary(frame, as_of=AS_OF))[1]
        assert row["monetary_cents"] == 10 * big + 1
        assert row["monetary"] == Decimal("98765432109876.51")
        assert float(10 * big + 1) != 10 * big + 1  # a float sum could not say this
    spend = by_id(grade(lines, as_of=AS_OF).frame)[1]
    assert spend["spend_cents"] == 10 * big + 1 and spend["tier"] == "SVIP"


def test_tier_edges_in_cents():
    lines = cents_frame(
        [(1, AS_OF, 999_999), (2, AS_OF, 1_000_000), (3, AS_OF, 1_000_001), (3, AS_OF, -2)]
    )
    tiers = by_id(grade(lines, as_of=AS_OF, tiers=TierConfig()).frame)
    assert [tiers[i]["tier"] for i in (1, 2, 3)] == ["C", "B", "C"]


def test_any_id_and_date_are_graded_alike_in_either_order():
    # The clustered path compares neighbouring lines, it packs nothing: huge ids and
    # dates far from 1970 take it too and agree with the hash path.
    lines = cents_frame(
        [
            (5, date(1, 1, 1), 100),
            (5, date(1969, 12, 31), 200),
            (5, date(1969, 12, 31), -50),
            (2**60, date(1969, 12, 31), 1),
            (2**60, date(9999, 12, 31), 7),  # after as_of: ignored
        ]
    )
    for frame in both_orders(lines):
        rows = by_id(rfm_summary(frame, as_of=AS_OF))
        assert (rows[5]["frequency"], rows[5]["monetary_cents"]) == (2, 250)
        assert rows[5]["last_order_date"] == date(1969, 12, 31)
        assert (rows[2**60]["frequency"], rows[2**60]["monetary_cents"]) == (1, 1)


def test_a_customer_whose_days_go_back_is_not_clustered():
    # Sorted by customer but not by date within one customer: the neighbour comparison
    # would count a day twice, so such lines take the hash path.
    lines = cents_frame(
        [
            (1, date(2024, 6, 1), 100),
            (1, date(2024, 5, 1), 100),
            (1, date(2024, 6, 1), 100),
            (2, date(2024, 1, 1), 100),
        ]
    )
    assert not order_lines(lines).clustered
    rows = by_id(rfm_summary(lines, as_of=AS_OF))
    assert (rows[1]["frequency"], rows[1]["last_order_date"]) == (2, date(2024, 6, 1))


def test_lines_without_an_amount_are_refused():
    lines = pl.DataFrame({"customer_id": [1], "order_date": [AS_OF]})
    with pytest.raises(ValueError, match="amount"):
        rfm_summary(lines, as_of=AS_OF)


def test_lines_said_clustered_skip_the_check_and_grade_alike():
    lines = cents_frame(
        [(1, date(2024, 5, 1), 100), (1, date(2024, 6, 1), -40), (2, date(2024, 6, 1), 300)]
    )
    told = order_lines(lines, clustered=True)
    assert told.clustered and not order_lines(lines, clustered=False).clustered
    a = rfm_summary(told, as_of=AS_OF).sort("customer_id")
    b = rfm_summary(order_lines(lines, clustered=False), as_of=AS_OF).sort("customer_id")
    assert a.equals(b) and a["monetary_cents"].to_list() == [60, 300]
