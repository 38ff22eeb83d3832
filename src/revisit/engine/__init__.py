"""The grading engine: pure Polars functions, no Django.

Input contract
--------------
Order lines: a polars DataFrame or LazyFrame with

- ``customer_id`` (Int64),
- ``order_date`` (Date),
- ``amount_cents`` (Int64): what was paid, in cents; a refund is a negative amount.
  A Decimal ``amount`` (scale 2) is accepted instead and turned into cents once.

Lines sorted by ``customer_id``, then ``order_date`` (as read through the
``(organization, customer, order_date)`` index) are graded fastest; any order gives the
same result.

Customers: a DataFrame with ``customer_id`` and optionally ``points`` (Int64), so that
customers without any order line still get a row (segment ``none``, tier C).

Money is integer cents throughout; the outputs carry it both as cents (``*_cents``,
Int64) and as Decimal for display and storage.
"""

from dataclasses import dataclass
from datetime import date

import polars as pl

from revisit.engine.bands import assign_bands, validate_band_rules
from revisit.engine.rfm import (
    MONEY,
    OrderLines,
    cents_to_money,
    order_lines,
    rfm_summary,
    summary_query,
)
from revisit.engine.scores import ahp_weights, composite_score
from revisit.engine.segments import (
    NONE,
    SEGMENT_BY_CODE,
    SEGMENTS,
    assign_segments,
    compute_thresholds,
    explain_segment,
    parse_thresholds,
)
from revisit.engine.tiers import DEFAULT_TIERS, TIERS, TierConfig, assign_tiers

__all__ = [
    "MONEY",
    "NONE",
    "OrderLines",
    "SEGMENTS",
    "SEGMENT_BY_CODE",
    "TIERS",
    "GradeResult",
    "TierConfig",
    "ahp_weights",
    "assign_bands",
    "assign_segments",
    "assign_tiers",
    "composite_score",
    "compute_thresholds",
    "explain_segment",
    "cumulative_spend",
    "grade",
    "spend_query",
    "order_lines",
    "parse_thresholds",
    "rfm_summary",
    "summary_query",
    "validate_band_rules",
]


@dataclass(frozen=True)
class GradeResult:
    frame: pl.DataFrame
    thresholds: dict


def spend_query(lines: "pl.DataFrame | pl.LazyFrame | OrderLines", as_of: date) -> pl.LazyFrame:
    """`cumulative_spend` as a lazy query (not collected)."""
    return (
        order_lines(lines)
        .frame.filter(pl.col("order_date") <= as_of)
        .group_by("customer_id")
        .agg(pl.col("amount_cents").sum().alias("spend_cents"))
        .select("customer_id", cents_to_money(pl.col("spend_cents")).alias("spend"), "spend_cents")
    )


def cumulative_spend(
    lines: "pl.DataFrame | pl.LazyFrame | OrderLines", as_of: date
) -> pl.DataFrame:
    """Net spend per customer over all history up to `as_of` (what spend tiers use):
    ``spend`` (Decimal) and ``spend_cents`` (Int64)."""
    return spend_query(lines, as_of).collect()


def grade(
    lines: pl.DataFrame | pl.LazyFrame,
    customers: pl.DataFrame | None = None,
    *,
    as_of: date,
    window_months: int | None = None,
    thresholds: "str | dict" = "mean",
    tiers: TierConfig = DEFAULT_TIERS,
    score_weights: dict | None = None,
) -> GradeResult:
    """Grade every customer as of ``as_of``: RFM summary, segment and tier (and a
    composite score when ``score_weights`` are given).

    One row per customer in ``customers`` (or per customer with lines when it is None).
    Customers without a positive line in the window get segment ``none`` and null R/F/M.
    Tiers use cumulative net spend over all history up to ``as_of`` (not the window).
    """
    lines = order_lines(lines)
    summary, spend = pl.collect_all(
        [
            summary_query(lines, as_of=as_of, window_months=window_months),
            spend_query(lines, as_of),
        ]
    )
    cuts = compute_thresholds(summary, thresholds)
    graded = assign_segments(summary, cuts) if not summary.is_empty() else None
    if customers is None:
        customers = spend.select("customer_id")
    frame = customers.join(spend, on="customer_id", how="left")
    if graded is not None:
        frame = frame.join(graded, on="customer_id", how="left")
    else:
        frame = frame.with_columns(
            pl.lit(None, pl.Int32).alias("recency_days"),
            pl.lit(None, pl.Int32).alias("frequency"),
            pl.lit(None, MONEY).alias("monetary"),
            pl.lit(None, pl.Int64).alias("monetary_cents"),
            pl.lit(None, pl.Date).alias("last_order_date"),
            pl.lit(None, pl.String).alias("segment"),
        )
    frame = frame.with_columns(pl.col("segment").fill_null(NONE))
    frame = assign_tiers(frame, tiers)
    if score_weights:
        frame = composite_score(frame, score_weights)
    return GradeResult(frame=frame, thresholds=cuts)
