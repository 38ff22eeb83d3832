"""Value tiers (SVIP, A, B, C) by cumulative spend, by points, or by share."""

from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

TIERS = ("SVIP", "A", "B", "C")


@dataclass(frozen=True)
class TierConfig:
    """Tier boundaries. Defaults are common clinic and retail practice; every value is an
    organization setting.

    - ``spend``: SVIP when spend >= ``svip_min_spend`` (None: no SVIP tier);
      A when >= ``a_min_spend``; B when >= ``b_min_spend``; otherwise C (never-paid
      customers included).
    - ``points``: A when points > ``a_above_points`` (strictly); B when points >=
      ``b_min_points``; otherwise C.
    - ``share``: customers ranked by spend, highest first; ``shares`` gives each tier's
      share of all customers from the top (default A: 20 %, B: the next 30 %), the rest are C. Ties take
      the better tier together (rank "min"), so equal spend never splits; customers with
      no positive spend are always C.
    """

    basis: str = "spend"
    svip_min_spend: Decimal | None = Decimal("100000")
    a_min_spend: Decimal = Decimal("30000")
    b_min_spend: Decimal = Decimal("10000")
    a_above_points: int = 5000
    b_min_points: int = 2000
    shares: dict = field(default_factory=lambda: {"A": Decimal("0.2"), "B": Decimal("0.3")})

    def __post_init__(self):
        if self.basis not in {"spend", "points", "share"}:
            raise ValueError(f"未知的分级依据 {self.basis!r} (tier basis: spend, points or share)")
        if self.b_min_spend > self.a_min_spend or (
            self.svip_min_spend is not None and self.a_min_spend > self.svip_min_spend
        ):
            raise ValueError("分级金额应为 SVIP ≥ A ≥ B (spend levels must be SVIP ≥ A ≥ B)")
        if self.b_min_points > self.a_above_points:
            raise ValueError("B 类积分起点不能高于 A 类 (B points must not exceed A)")
        unknown = set(self.shares) - set(TIERS[:-1])
        total = sum(Decimal(str(v)) for v in self.shares.values())
        if unknown or total > 1 or any(Decimal(str(v)) < 0 for v in self.shares.values()):
            raise ValueError("各级占比应在 0 到 1 之间且总和不超过 1 (shares must sum to ≤ 1)")


def _cents(value: Decimal) -> int:
    return int((Decimal(value) * 100).to_integral_value())


def assign_tiers(frame: pl.DataFrame, config: "TierConfig | None" = None) -> pl.DataFrame:
    """Add a ``tier`` column. ``frame`` needs ``spend_cents`` (Int64) or ``spend``
    (Decimal; null = never paid) for the spend and share bases, ``points`` (integer; null = 0) for the points basis."""
    config = config or DEFAULT_TIERS
    if config.basis == "points":
        points = pl.col("points").fill_null(0)
        tier = (
            pl.when(points > config.a_above_points)
            .then(pl.lit("A"))
            .when(points >= config.b_min_points)
            .then(pl.lit("B"))
            .otherwise(pl.lit("C"))
        )
        return frame.with_columns(tier.alias("tier"))
    if "spend_cents" in frame.columns:
        cents = pl.col("spend_cents").fill_null(0)
    else:
        cents = (pl.col("spend").fill_null(0) * 100).cast(pl.Int64)
    if config.basis == "spend":
        tier = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
        if config.svip_min_spend is not None:
            tier = tier.when(cents >= _cents(config.svip_min_spend)).then(pl.lit("SVIP"))
        tier = (
            tier.when(cents >= _cents(config.a_min_spend))
            .then(pl.lit("A"))
            .when(cents >= _cents(config.b_min_spend))
            .then(pl.lit("B"))
            .otherwise(pl.lit("C"))
        )
        return frame.with_columns(tier.alias("tier"))
    total = frame.height
    rank = cents.rank(method="min", descending=True)
    tier = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    covered = Decimal(0)
    for name in TIERS[:-1]:
        if name not in config.shares:
            continue
        covered += Decimal(str(config.shares[name]))
        cutoff = float(covered * total)
        tier = tier.when((cents > 0) & (rank <= cutoff)).then(pl.lit(name))
    return frame.with_columns(tier.otherwise(pl.lit("C")).alias("tier"))


DEFAULT_TIERS = TierConfig()
