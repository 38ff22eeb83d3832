"""Tiers at their exact edges, AHP weights, composite scores and band classes."""

from decimal import Decimal

import polars as pl
import pytest

from revisit.engine import TierConfig, ahp_weights, assign_bands, assign_tiers, composite_score


def tiers_for(values, config=None, column="spend"):
    dtype = pl.Decimal(20, 2) if column == "spend" else pl.Int64
    frame = pl.DataFrame({column: values}, schema={column: dtype})
    return assign_tiers(frame, config)["tier"].to_list()


def test_spend_tier_edges():
    d = Decimal
    assert tiers_for(
        [
            d("100000"),
            d("99999.99"),
            d("30000"),
            d("29999.99"),
            d("10000"),
            d("9999.99"),
            d("0"),
            None,
            d("-50"),
        ]
    ) == ["SVIP", "A", "A", "B", "B", "C", "C", "C", "C"]


def test_spend_tiers_without_svip_and_with_own_levels():
    config = TierConfig(
        svip_min_spend=None, a_min_spend=Decimal("20000"), b_min_spend=Decimal("5000")
    )
    assert tiers_for([Decimal("500000"), Decimal("5000"), Decimal("4999")], config) == [
        "A",
        "B",
        "C",
    ]


def test_points_tier_edges():
    config = TierConfig(basis="points")
    assert tiers_for([5001, 5000, 2000, 1999, 0, None], config, column="points") == [
        "A",
        "B",
        "B",
        "C",
        "C",
        "C",
    ]


def test_share_tiers_top_twenty_percent_and_ties_stay_together():
    spend = [
        Decimal(v) for v in ["900", "800", "700", "600", "500", "400", "300", "200", "100", "0"]
    ]
    assert tiers_for(spend, TierConfig(basis="share")) == ["A", "A"] + ["B"] * 3 + ["C"] * 5
    only_a = TierConfig(basis="share", shares={"A": Decimal("0.2")})
    assert tiers_for(spend, only_a) == ["A", "A"] + ["C"] * 8
    tied = [
        Decimal(v) for v in ["900", "800", "800", "600", "500", "400", "300", "200", "100", "0"]
    ]
    assert tiers_for(tied, only_a)[:4] == ["A", "A", "A", "C"]
    two = TierConfig(basis="share", shares={"A": Decimal("0.2"), "B": Decimal("0.3")})
    assert tiers_for(spend, two) == ["A", "A", "B", "B", "B"] + ["C"] * 5


def test_tier_config_rejects_inconsistent_levels():
    with pytest.raises(ValueError):
        TierConfig(a_min_spend=Decimal("5000"), b_min_spend=Decimal("10000"))
    with pytest.raises(ValueError):
        TierConfig(basis="age")
    with pytest.raises(ValueError):
        TierConfig(shares={"A": Decimal("0.8"), "B": Decimal("0.5")})


def test_ahp_weights_of_a_consistent_matrix():
    # R is 3× as important as F and 5× as M; F is 2× M (a classic near-consistent matrix).
    weights, cr = ahp_weights([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    assert [round(w, 3) for w in weights] == [0.648, 0.230, 0.122]
    assert cr < 0.01


def test_ahp_rejects_an_inconsistent_matrix_with_its_ratio():
    with pytest.raises(ValueError, match=r"CR = \d\.\d{3}"):
        ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])


@pytest.mark.parametrize(
    "matrix", [[[1, 2]], [[1, 2], [2, 1]], [[1, -1], [-1, 1]], [[1, 0], [0, 1]]]
)
def test_ahp_rejects_malformed_matrices(matrix):
    with pytest.raises(ValueError):
        ahp_weights(matrix)


def test_composite_score_normalizes_and_reverses_recency():
    frame = pl.DataFrame(
        {"recency_days": [0, 100, 50], "monetary": [10.0, 30.0, 20.0], "constant": [1, 1, 1]}
    )
    scored = composite_score(frame, {"recency_days": 1, "monetary": 1})["score"].to_list()
    assert scored == [50.0, 50.0, 50.0]  # best R + worst M = worst R + best M
    scored = composite_score(frame, {"recency_days": 3, "monetary": 1})["score"].to_list()
    assert scored == [75.0, 25.0, 50.0]
    assert composite_score(frame, {"constant": 1})["score"].to_list() == [50.0] * 3
    with pytest.raises(ValueError):
        composite_score(frame, {"age": 1})


def test_band_rules_first_match_wins_with_inclusive_edges():
    frame = pl.DataFrame({"monetary": [50000, 49999, 80000, None], "frequency": [5, 9, 1, 3]})
    rules = [
        {"code": "K1", "bounds": {"monetary": {"min": 50000}, "frequency": {"min": 5}}},
        {"code": "K2", "bounds": {"frequency": {"min": 1, "max": 9, "max_inclusive": True}}},
    ]
    assert assign_bands(frame, rules)["band"].to_list() == ["K1", "K2", "K2", "K2"]
    assert assign_bands(frame, rules[:1], default="K9")["band"].to_list() == [
        "K1",
        "K9",
        "K9",
        "K9",
    ]


@pytest.mark.parametrize(
    "rules",
    [
        [],
        [{"code": "K1", "bounds": {}}],
        [{"code": "K1", "bounds": {"monetary": {"min": "a lot"}}}],
        [{"code": "K1", "bounds": {"monetary": {"min": 10, "max": 5}}}],
        [{"code": "K1", "bounds": {"age": {"min": 1}}}],
        [
            {"code": "K1", "bounds": {"monetary": {"min": 1}}},
            {"code": "K1", "bounds": {"monetary": {"min": 2}}},
        ],
    ],
)
def test_band_rules_are_validated(rules):
    frame = pl.DataFrame({"monetary": [1]})
    with pytest.raises(ValueError):
        assign_bands(frame, rules)
