"""RFM 8 segments (A1…B4): high/low on each of R, F and M against a threshold."""

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

NONE = "none"


def _monetary_cents(summary: pl.DataFrame) -> pl.Expr:
    """Monetary value in integer cents: ``monetary_cents`` when the summary has it."""
    if "monetary_cents" in summary.columns:
        return pl.col("monetary_cents")
    return (pl.col("monetary") * 100).cast(pl.Int64)


@dataclass(frozen=True)
class SegmentInfo:
    code: str
    key: str
    zh: str
    en: str
    recent: bool
    frequent: bool
    high_value: bool


SEGMENTS = (
    SegmentInfo("A1", "important_value", "重要价值客户", "Important value", True, True, True),
    SegmentInfo("A2", "important_develop", "重要发展客户", "Important develop", True, False, True),
    SegmentInfo("A3", "important_retain", "重要保持客户", "Important retain", False, True, True),
    SegmentInfo(
        "A4", "important_winback", "重要挽留客户", "Important win-back", False, False, True
    ),
    SegmentInfo("B1", "general_value", "一般价值客户", "General value", True, True, False),
    SegmentInfo("B2", "general_develop", "一般发展客户", "General develop", True, False, False),
    SegmentInfo("B3", "general_retain", "一般保持客户", "General retain", False, True, False),
    SegmentInfo("B4", "general_winback", "一般挽留客户", "General win-back", False, False, False),
)
SEGMENT_BY_CODE = {s.code: s for s in SEGMENTS}


@dataclass(frozen=True)
class Thresholds:
    """How the high/low cut is found: a statistic over the graded customers, or fixed."""

    mode: str  # "mean", "median", "quantile" or "fixed"
    q: float | None = None
    recency_days: float | None = None
    frequency: float | None = None
    monetary: Decimal | None = None


def parse_thresholds(spec: "str | Thresholds | dict") -> Thresholds:
    """Read a thresholds mode: ``mean`` (default), ``median``, ``quantile:Q`` with
    0 < Q < 1, or fixed values as a dict ``{"recency_days":…, "frequency":…,
    "monetary":…}``. Raises ValueError with a message for the user otherwise."""
    if isinstance(spec, Thresholds):
        return spec
    if isinstance(spec, dict):
        missing = {"recency_days", "frequency", "monetary"} - set(spec)
        if missing:
            raise ValueError(f"固定阈值缺少 {sorted(missing)} (fixed thresholds need R, F and M)")
        try:
            return Thresholds(
                "fixed",
                recency_days=float(spec["recency_days"]),
                frequency=float(spec["frequency"]),
                monetary=Decimal(str(spec["monetary"])),
            )
        except (TypeError, ArithmeticError, ValueError):
            raise ValueError("固定阈值必须是数字 (fixed thresholds must be numbers)") from None
    text = str(spec or "mean").strip().lower()
    if text in {"mean", "median"}:
        return Thresholds(text)
    if text.startswith("quantile:"):
        try:
            q = float(text.split(":", 1)[1])
        except ValueError:
            q = -1.0
        if 0 < q < 1:
            return Thresholds("quantile", q=q)
        raise ValueError(f"分位数应在 0 和 1 之间: {spec!r} (quantile:Q needs 0 < Q < 1)")
    raise ValueError(
        f"未知的阈值方式 {spec!r}；可用 mean、median 或 quantile:Q "
        "(thresholds must be mean, median or quantile:Q)"
    )


def compute_thresholds(summary: pl.DataFrame, spec: "str | Thresholds | dict") -> dict:
    """The R, F and M cut values over the graded customers in ``summary``.

    Returns ``{"mode", "recency_days", "frequency", "monetary"}``; values are None when
    there is nobody to grade. Monetary is a Decimal rounded to the cent.
    """
    t = parse_thresholds(spec)
    if t.mode == "fixed":
        return {
            "mode": "fixed",
            "recency_days": t.recency_days,
            "frequency": t.frequency,
            "monetary": t.monetary,
        }
    label = t.mode if t.mode != "quantile" else f"quantile:{t.q}"
    if summary.is_empty():
        return {"mode": label, "recency_days": None, "frequency": None, "monetary": None}

    def stat(column: pl.Expr) -> pl.Expr:
        if t.mode == "mean":
            return column.mean()
        if t.mode == "median":
            return column.median()
        return column.quantile(t.q, interpolation="linear")

    row = summary.select(
        stat(pl.col("recency_days").cast(pl.Float64)).alias("r"),
        stat(pl.col("frequency").cast(pl.Float64)).alias("f"),
        # Cents as integers: mean of Decimals in floating point would drift.
        stat(_monetary_cents(summary).cast(pl.Float64)).alias("m"),
    ).row(0)
    return {
        "mode": label,
        "recency_days": row[0],
        "frequency": row[1],
        "monetary": (Decimal(repr(row[2])) / 100).quantize(Decimal("0.01")),
    }


def assign_segments(summary: pl.DataFrame, thresholds: dict) -> pl.DataFrame:
    """Add ``r_recent``, ``f_high``, ``m_high`` and ``segment`` to an RFM summary.

    Recent means ``recency_days <= R threshold``; high means ``frequency >= F
    threshold`` and ``monetary >= M threshold`` (ties are high/recent). The thresholds
    are added as columns ``r_threshold``, ``f_threshold``, ``m_threshold`` so that every
    row explains itself.
    """
    if summary.is_empty():
        return summary.with_columns(
            pl.lit(None, pl.Boolean).alias("r_recent"),
            pl.lit(None, pl.Boolean).alias("f_high"),
            pl.lit(None, pl.Boolean).alias("m_high"),
            pl.lit(None, pl.String).alias("segment"),
            pl.lit(None, pl.Float64).alias("r_threshold"),
            pl.lit(None, pl.Float64).alias("f_threshold"),
            pl.lit(None, pl.Decimal(20, 2)).alias("m_threshold"),
        )
    m_cents = int((Decimal(thresholds["monetary"]) * 100).to_integral_value())
    flags = summary.with_columns(
        (pl.col("recency_days") <= thresholds["recency_days"]).alias("r_recent"),
        (pl.col("frequency") >= thresholds["frequency"]).alias("f_high"),
        (_monetary_cents(summary) >= m_cents).alias("m_high"),
    )
    # SEGMENTS is ordered A1…A4, B1…B4: low value adds 4, not recent 2, not frequent 1.
    index = (
        (~pl.col("m_high")).cast(pl.UInt32) * 4
        + (~pl.col("r_recent")).cast(pl.UInt32) * 2
        + (~pl.col("f_high")).cast(pl.UInt32)
    )
    codes = pl.lit(pl.Series([s.code for s in SEGMENTS], dtype=pl.String))
    return flags.with_columns(
        codes.gather(index).alias("segment"),
        pl.lit(thresholds["recency_days"], pl.Float64).alias("r_threshold"),
        pl.lit(thresholds["frequency"], pl.Float64).alias("f_threshold"),
        pl.lit(thresholds["monetary"], pl.Decimal(20, 2)).alias("m_threshold"),
    )


def explain_segment(row: dict) -> str:
    """One sentence in Chinese that says why a customer is in her segment."""
    code = row.get("segment")
    if code in (None, NONE):
        return "统计期内没有正金额消费，未参与 RFM 分级。"
    info = SEGMENT_BY_CODE[code]
    r_t, f_t, m_t = row["r_threshold"], row["f_threshold"], Decimal(row["m_threshold"])
    recent = "近" if row["recency_days"] <= r_t else "远"
    freq = "高" if row["frequency"] >= f_t else "低"
    value = "高" if Decimal(row["monetary"]) >= m_t else "低"
    return (
        f"最近一次消费在 {row['recency_days']} 天前（阈值 {r_t:.1f} 天，{recent}）、"
        f"消费 {row['frequency']} 次（阈值 {f_t:.2f} 次，{freq}）、"
        f"金额 ¥{Decimal(row['monetary']):,.2f}（阈值 ¥{m_t:,.2f}，{value}）"
        f" → {info.code} {info.zh}。"
    )
