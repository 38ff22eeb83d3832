"""The grading engine: pure Polars functions, no Django.

Input contract
--------------
Order lines: a polars DataFrame or LazyFrame with

- ``customer_id`` (Int64),
- ``order_date`` (Date),
- ``amount`` (Decimal, scale 2): what was paid; a refund is a negative amount.

Customers: a DataFrame with ``customer_id`` and optionally ``points`` (Int64), so that
customers without any order line still get a row (segment ``none``, tier C).

Money stays Decimal on the way out; sums are taken over integer cents inside.
"""

from dataclasses import dataclass
from datetime import date

import polars as pl

from revisit.engine.bands import assign_bands, validate_band_rules
from revisit.engine.rfm import MONEY, rfm_summary
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
    "parse_thresholds",
    "rfm_summary",
    "validate_band_rules",
]


@dataclass(frozen=True)
class GradeResult:
    frame: pl.DataFrame
    thresholds: dict


def cumulative_spend(lines: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.DataFrame:
    """Net spend per customer over all history up to `as_of` (what spend tiers use)."""
    return (
        lines.lazy()
        .filter(pl.col("order_date") <= as_of)
        .group_by("customer_id")
        .agg((pl.col("amount").cast(MONEY) * 100).cast(pl.Int64).sum().alias("spend_cents"))
        .select("customer_id", (pl.col("spend_cents").cast(MONEY) / 100).cast(MONEY).alias("spend"))
        .collect()
    )


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
    summary = rfm_summary(lines, as_of=as_of, window_months=window_months)
    cuts = compute_thresholds(summary, thresholds)
    graded = assign_segments(summary, cuts) if not summary.is_empty() else None
    spend = cumulative_spend(lines, as_of)
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
            pl.lit(None, pl.Date).alias("first_order_date"),
            pl.lit(None, pl.Date).alias("last_order_date"),
            pl.lit(None, pl.String).alias("segment"),
        )
    frame = frame.with_columns(pl.col("segment").fill_null(NONE))
    frame = assign_tiers(frame, tiers)
    if score_weights:
        frame = composite_score(frame, score_weights)
    return GradeResult(frame=frame, thresholds=cuts)
