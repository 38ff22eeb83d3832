"""Analytic hierarchy process (Saaty): weights from a pairwise comparison matrix.

Entry ``a[i][j]`` says how much more important criterion i is than j on Saaty's 1–9
scale, with ``a[j][i] = 1 / a[i][j]``. The weights are the principal eigenvector,
normalized to sum 1; the consistency index CI = (λmax − n) / (n − 1) is compared with
the random index RI of matrices of the same size: CR = CI / RI. A CR of 0.1 or more
means the judgements contradict each other too much to be used.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Saaty's random consistency index by matrix size (1-based; sizes 1 and 2 are always
# consistent).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45}
CR_LIMIT = 0.1
SCALE_MIN, SCALE_MAX = 1 / 9, 9.0


@dataclass(frozen=True)
class AhpResult:
    weights: list[float]
    lambda_max: float
    ci: float
    cr: float

    @property
    def consistent(self) -> bool:
        return self.cr < CR_LIMIT


def pairwise_matrix(upper: Sequence[float], n: int) -> np.ndarray:
    """The full reciprocal matrix from its upper triangle, row by row
    (a12, a13, …, a1n, a23, …)."""
    if len(upper) != n * (n - 1) // 2:
        raise ValueError("wrong number of comparisons")
    matrix = np.ones((n, n))
    values = iter(upper)
    for i in range(n):
        for j in range(i + 1, n):
            value = float(next(values))
            matrix[i, j], matrix[j, i] = value, 1 / value
    return matrix


def ahp(matrix: Sequence[Sequence[float]] | np.ndarray) -> AhpResult:
    """Weights and consistency of a positive reciprocal matrix. Raises ValueError for a
    matrix that is not square, positive and reciprocal, or larger than the RI table."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    if n == 0 or a.shape != (n, n) or n not in RANDOM_INDEX:
        raise ValueError("the matrix must be square, of size 1 to 9")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("every comparison must be a positive number")
    if not np.allclose(a * a.T, 1.0, rtol=1e-6):
        raise ValueError("the matrix must be reciprocal: a[j][i] = 1 / a[i][j]")
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    vector = np.abs(eigenvectors[:, k].real)  # Perron vector: one sign throughout
    weights = vector / vector.sum()
    ci = max(0.0, (lambda_max - n) / (n - 1)) if n > 1 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri else 0.0
    return AhpResult([float(w) for w in weights], lambda_max, ci, cr)
