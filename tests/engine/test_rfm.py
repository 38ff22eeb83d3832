"""RFM summary and segments, pinned on hand-computed data."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from revisit.engine import (
    assign_segments,
    compute_thresholds,
    explain_segment,
    grade,
    parse_thresholds,
    rfm_summary,
)
from tests.engine.conftest import lines_frame

AS_OF = date(2024, 6, 30)


def by_id(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["customer_id"]: row for row in frame.iter_rows(named=True)}


def test_recency_frequency_monetary_definitions():
    lines = lines_frame(
        [
            (1, date(2024, 6, 1), "100.10"),
            (1, date(2024, 6, 1), "50"),  # same day: one visit
            (1, date(2024, 5, 1), "200"),
            (1, date(2024, 6, 20), "-80"),  # a refund: lowers M, is not a visit
            (1, date(2024, 7, 1), "9999"),  # after the as-of date: ignored
        ]
    )
    # In the order given, and clustered by customer then date (the fast path).
    for frame in (lines, lines.sort("customer_id", "order_date")):
        row = by_id(rfm_summary(frame, as_of=AS_OF))[1]
        assert row["recency_days"] == 29  # last *positive* line, not the refund
        assert row["last_order_date"] == date(2024, 6, 1)
        assert row["frequency"] == 2
        assert row["monetary"] == Decimal("270.10")
        assert row["monetary_cents"] == 27010


def test_customers_with_only_zero_or_negative_lines_are_not_graded():
    lines = lines_frame([(1, date(2024, 6, 1), "0"), (2, date(2024, 6, 1), "-10")])
    assert rfm_summary(lines, as_of=AS_OF).is_empty()
    result = grade(lines, pl.DataFrame({"customer_id": [1, 2, 3]}), as_of=AS_OF)
    assert result.frame.sort("customer_id")["segment"].to_list() == ["none"] * 3
    assert result.frame["tier"].to_list() == ["C"] * 3


def test_window_keeps_only_recent_months():
    lines = lines_frame(
        [(1, date(2023, 12, 30), "1000"), (1, date(2023, 12, 31), "10"), (2, date(2023, 6, 1), "5")]
    )
    # Six months before 2024-06-30 is 2023-12-30: the window is the days after it.
    summary = by_id(rfm_summary(lines, as_of=AS_OF, window_months=6))
    assert set(summary) == {1}
    assert summary[1]["monetary"] == Decimal("10.00") and summary[1]["frequency"] == 1
    # Cumulative spend for tiers still counts all history.
    result = by_id(grade(lines, as_of=AS_OF, window_months=6).frame)
    assert result[1]["spend"] == Decimal("1010.00") and result[2]["segment"] == "none"


def test_window_from_a_month_end_clamps_the_day():
    lines = lines_frame([(1, date(2024, 2, 29), "1"), (1, date(2024, 3, 1), "1")])
    summary = rfm_summary(lines, as_of=date(2024, 5, 31), window_months=3)
    assert summary["frequency"].to_list() == [1]  # window starts after 29 Feb


def test_empty_input():
    empty = lines_frame([])
    assert rfm_summary(empty, as_of=AS_OF).is_empty()
    result = grade(
        empty, pl.DataFrame({"customer_id": [7]}, schema={"customer_id": pl.Int64}), as_of=AS_OF
    )
    assert result.frame["segment"].to_list() == ["none"]
    assert result.thresholds["monetary"] is None


def summary_of(rows):
    """A ready-made summary frame: (id, recency_days, frequency, monetary)."""
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "recency_days": [r[1] for r in rows],
            "frequency": [r[2] for r in rows],
            "monetary": [Decimal(r[3]) for r in rows],
        },
        schema={
            "customer_id": pl.Int64,
            "recency_days": pl.Int32,
            "frequency": pl.Int32,
            "monetary": pl.Decimal(20, 2),
        },
    )


def test_ties_at_the_threshold_count_as_high_and_recent():
    summary = summary_of([(1, 10, 2, "100"), (2, 30, 4, "300")])  # means: 20 d, 3, 200
    fixed = {"recency_days": 10, "frequency": 2, "monetary": "100"}
    segs = by_id(assign_segments(summary, compute_thresholds(summary, fixed)))
    assert segs[1]["segment"] == "A1"  # exactly at every threshold
    assert segs[2]["segment"] == "A3"  # not recent (30 > 10), F and M high
    just_below = {"recency_days": 10, "frequency": 2, "monetary": "100.01"}
    segs = by_id(assign_segments(summary, compute_thresholds(summary, just_below)))
    assert segs[1]["segment"] == "B1"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("mean", {"recency_days": 40.0, "frequency": 3.0, "monetary": Decimal("400.00")}),
        ("median", {"recency_days": 20.0, "frequency": 2.0, "monetary": Decimal("200.00")}),
        ("quantile:0.75", {"recency_days": 55.0, "frequency": 4.0, "monetary": Decimal("550.00")}),
    ],
)
def test_threshold_modes(mode, expected):
    summary = summary_of([(1, 10, 1, "100"), (2, 20, 2, "200"), (3, 90, 6, "900")])
    cuts = compute_thresholds(summary, mode)
    assert {k: cuts[k] for k in expected} == pytest.approx(expected)


def test_all_eight_segments():
    # R threshold 50, F 3, M 1000 (fixed): one customer per corner of the cube.
    rows, expected = [], {}
    for i, (recent, frequent, high, code) in enumerate(
        [
            (1, 1, 1, "A1"),
            (1, 0, 1, "A2"),
            (0, 1, 1, "A3"),
            (0, 0, 1, "A4"),
            (1, 1, 0, "B1"),
            (1, 0, 0, "B2"),
            (0, 1, 0, "B3"),
            (0, 0, 0, "B4"),
        ]
    ):
        rows.append((i, 10 if recent else 90, 5 if frequent else 1, "5000" if high else "50"))
        expected[i] = code
    summary = summary_of(rows)
    fixed = {"recency_days": 50, "frequency": 3, "monetary": 1000}
    segs = assign_segments(summary, compute_thresholds(summary, fixed))
    assert {r["customer_id"]: r["segment"] for r in segs.iter_rows(named=True)} == expected


@pytest.mark.parametrize("bad", ["avg", "quantile:1", "quantile:0", "quantile:x", "p90"])
def test_bad_threshold_modes_are_refused_with_a_message(bad):
    with pytest.raises(ValueError, match="mean|quantile"):
        parse_thresholds(bad)


def test_explanation_names_values_thresholds_and_segment():
    summary = summary_of([(1, 12, 8, "52300"), (2, 100, 1, "100")])
    segs = assign_segments(summary, compute_thresholds(summary, "mean"))
    text = explain_segment(by_id(segs)[1])
    assert "12 天前" in text and "8 次" in text and "¥52,300.00" in text
    assert "A1 重要价值客户" in text
    assert "未参与" in explain_segment({"segment": "none"})
