"""Composite scores: weighted, normalized features; weights given or derived by AHP."""

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

# Saaty's random consistency index by matrix size.
RANDOM_INDEX = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
MAX_CONSISTENCY_RATIO = 0.1


def ahp_weights(matrix: Sequence[Sequence[float]]) -> tuple[np.ndarray, float]:
    """Weights from a pairwise comparison matrix (a[i][j]: how much more important i is
    than j) as its normalized principal eigenvector, and the consistency ratio.

    Raises ValueError when the matrix is not square, not positive, not reciprocal, or
    when its consistency ratio is 0.1 or more (the judgements contradict each other).
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape != (n, n) or n == 0:
        raise ValueError("判断矩阵必须是方阵 (the comparison matrix must be square)")
    if n > max(RANDOM_INDEX):
        raise ValueError(f"最多比较 {max(RANDOM_INDEX)} 项 (at most {max(RANDOM_INDEX)} criteria)")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("判断矩阵的元素必须为正数 (entries must be positive numbers)")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3):
        raise ValueError("判断矩阵必须互反：a[j][i] = 1/a[i][j] (the matrix must be reciprocal)")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    weights = np.abs(vectors[:, k].real)
    weights = weights / weights.sum()
    lambda_max = float(values[k].real)
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    cr = ci / RANDOM_INDEX[n] if RANDOM_INDEX[n] else 0.0
    if cr >= MAX_CONSISTENCY_RATIO:
        raise ValueError(
            f"判断矩阵一致性比率 CR = {cr:.3f} ≥ 0.1，请调整两两比较 "
            f"(consistency ratio {cr:.3f} is not below 0.1)"
        )
    return weights, cr


def composite_score(
    frame: pl.DataFrame,
    weights: Mapping[str, float],
    *,
    lower_is_better: Sequence[str] = ("recency_days",),
    name: str = "score",
) -> pl.DataFrame:
    """Add a 0–100 score: each feature min-max normalized to 0..1 (reversed for features
    where lower is better, such as recency), then weighted by ``weights`` (normalized to
    sum 1). A constant feature carries no information and counts as 0.5 for everyone;
    a missing value counts as 0 (the worst)."""
    if not weights:
        raise ValueError("至少需要一个评分指标 (at least one feature is needed)")
    missing = [f for f in weights if f not in frame.columns]
    if missing:
        raise ValueError(f"没有这些字段: {missing} (unknown features)")
    total = float(sum(weights.values()))
    if total <= 0 or any(w < 0 for w in weights.values()):
        raise ValueError("权重必须非负且总和大于 0 (weights must be non-negative, sum > 0)")
    parts = []
    for feature, weight in weights.items():
        x = pl.col(feature).cast(pl.Float64)
        low, high = x.min(), x.max()
        norm = pl.when(high == low).then(pl.lit(0.5)).otherwise((x - low) / (high - low))
        if feature in lower_is_better:
            norm = 1 - norm
        parts.append(norm.fill_null(0.0) * (weight / total))
    return frame.with_columns((pl.sum_horizontal(parts) * 100).round(2).alias(name))
