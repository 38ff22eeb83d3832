"""Static multi-dimensional classes: band rules on numeric attributes, defined as data.

A rule set is a list of classes, checked in order; the first whose every bound holds
wins, and customers matching none get the default class::

    [{"code": "K1", "name": "核心", "bounds": {"monetary": {"min": 50000},
                                              "frequency": {"min": 5}}},
     {"code": "K2", "name": "活跃", "bounds": {"recency_days": {"max": 90,
                                                               "max_inclusive": False}}}]

``min`` is inclusive and ``max`` exclusive unless ``min_inclusive`` / ``max_inclusive``
say otherwise. A null attribute never satisfies a bound.
"""

from collections.abc import Sequence

import polars as pl

_BOUND_KEYS = {"min", "max", "min_inclusive", "max_inclusive"}


def validate_band_rules(rules: Sequence[dict]) -> None:
    """Raise ValueError with a message for the user when the rules are malformed."""
    if not rules:
        raise ValueError("至少需要一条分类规则 (at least one class rule is needed)")
    seen = set()
    for i, rule in enumerate(rules, start=1):
        code = rule.get("code")
        if not code or code in seen:
            raise ValueError(
                f"第 {i} 条规则缺少编码或编码重复 (rule {i}: missing or repeated code)"
            )
        seen.add(code)
        bounds = rule.get("bounds")
        if not isinstance(bounds, dict) or not bounds:
            raise ValueError(f"规则 {code} 没有条件 (rule {code} has no bounds)")
        for attribute, bound in bounds.items():
            if not isinstance(bound, dict) or not bound.keys() <= _BOUND_KEYS:
                raise ValueError(f"规则 {code} 的 {attribute} 条件格式不对 (bad bound)")
            if "min" not in bound and "max" not in bound:
                raise ValueError(f"规则 {code} 的 {attribute} 需要 min 或 max (min or max)")
            for key in ("min", "max"):
                if key in bound and not isinstance(bound[key], int | float):
                    raise ValueError(f"规则 {code} 的 {attribute}.{key} 必须是数字 (number)")
            if "min" in bound and "max" in bound and bound["min"] > bound["max"]:
                raise ValueError(f"规则 {code} 的 {attribute} 下限大于上限 (min > max)")


def assign_bands(
    frame: pl.DataFrame, rules: Sequence[dict], *, default: str = "other", name: str = "band"
) -> pl.DataFrame:
    """Add a column ``name`` with the code of the first matching class."""
    validate_band_rules(rules)
    missing = {a for r in rules for a in r["bounds"]} - set(frame.columns)
    if missing:
        raise ValueError(f"没有这些字段: {sorted(missing)} (unknown attributes)")
    expr = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    for rule in rules:
        condition = pl.lit(True)
        for attribute, bound in rule["bounds"].items():
            x = pl.col(attribute).cast(pl.Float64)
            if "min" in bound:
                ok = x >= bound["min"] if bound.get("min_inclusive", True) else x > bound["min"]
                condition = condition & ok.fill_null(False)
            if "max" in bound:
                ok = x <= bound["max"] if bound.get("max_inclusive", False) else x < bound["max"]
                condition = condition & ok.fill_null(False)
        expr = expr.when(condition).then(pl.lit(rule["code"]))
    return frame.with_columns(expr.otherwise(pl.lit(default)).alias(name))
