"""AHP weights and consistency against worked examples."""

import pytest

from revisit.engine.ahp import ahp, pairwise_matrix


def test_a_consistent_matrix_gives_its_exact_ratios_and_cr_zero():
    # Weights 4:2:1 compared pairwise: every judgement agrees with every other.
    result = ahp([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert result.weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert result.lambda_max == pytest.approx(3.0)
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.consistent


def test_saaty_textbook_example():
    # The three-criteria example of Saaty's method as taught (e.g. Saaty 2008, "Decision
    # making with the analytic hierarchy process"): weights ≈ 0.637 / 0.258 / 0.105,
    # λmax ≈ 3.039, CI ≈ 0.019, CR ≈ 0.033 with RI(3) = 0.58.
    result = ahp(pairwise_matrix([3, 5, 3], 3))
    assert result.weights == pytest.approx([0.637, 0.258, 0.105], abs=1e-3)
    assert result.lambda_max == pytest.approx(3.039, abs=1e-3)
    assert result.ci == pytest.approx(0.019, abs=1e-3)
    assert result.cr == pytest.approx(0.033, abs=1e-3)
    assert result.consistent


def test_contradicting_judgements_are_inconsistent():
    # R ≫ F, F ≫ M, yet M ≫ R: a cycle no weights can honour.
    result = ahp(pairwise_matrix([9, 1 / 9, 9], 3))
    assert result.cr >= 0.1
    assert not result.consistent


@pytest.mark.parametrize(
    "matrix",
    [
        [[1, 2], [2, 1]],  # not reciprocal
        [[1, -2], [-0.5, 1]],  # not positive
        [[1, 2, 3], [0.5, 1, 1]],  # not square
        [],
    ],
)
def test_a_malformed_matrix_is_refused(matrix):
    with pytest.raises(ValueError):
        ahp(matrix)
