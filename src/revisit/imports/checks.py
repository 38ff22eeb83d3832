"""Row checks shared by the importers: each check is (column, reason, failing-when)."""

import polars as pl

from revisit.customers.phones import normalize_phone
from revisit.imports.parsing import clean_text
from revisit.imports.report import ImportReport, Rejection


def with_failures(frame: pl.DataFrame, checks: list[tuple[str, str, pl.Expr]]) -> pl.DataFrame:
    """`frame` with `_failed`: the indexes of every check the row fails (empty if none),
    so that a rejected row is reported with all its errors, not just the first."""
    failed = [
        pl.when(failing.fill_null(False)).then(pl.lit(i, pl.Int32))
        for i, (_, _, failing) in enumerate(checks)
    ]
    if not failed:
        return frame.with_columns(pl.lit([], pl.List(pl.Int32)).alias("_failed"))
    return frame.with_columns(pl.concat_list(failed).list.drop_nulls().alias("_failed"))


def failed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("_failed").list.len() > 0)


def passed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("_failed").list.len() == 0)


def record_failures(
    found: list[Rejection], rows: pl.DataFrame, checks: list[tuple[str, str, pl.Expr]]
) -> None:
    """One entry per failed check of each row (from `with_failures`), in row order."""
    for row in rows.iter_rows(named=True):
        for index in row["_failed"]:
            column, reason, _ = checks[index]
            found.append(Rejection(row["row"], column, reason, str(row.get(column) or "")[:100]))


def too_long(field: str, limit: int, label: str) -> tuple[str, str, pl.Expr]:
    return (
        field,
        f"{label}超过 {limit} 个字符 ({field} longer than {limit} characters)",
        pl.col(field).str.len_chars() > limit,
    )


def phone_or_none(value: str | None) -> str | None:
    try:
        return normalize_phone(value)
    except ValueError:
        return None


def normalized_phones(frame: pl.DataFrame) -> pl.Series:
    """E.164 phones for the `phone` column (null where missing or invalid)."""
    return frame.get_column("phone").map_elements(phone_or_none, return_dtype=pl.String)


def text(field: str) -> pl.Expr:
    return clean_text(pl.col(field))


CONSENTS = {
    **dict.fromkeys(["是", "同意", "y", "yes", "1", "true", "√"], True),
    **dict.fromkeys(["否", "拒绝", "不同意", "n", "no", "0", "false", "×"], False),
}
GENDERS = {"女": "F", "f": "F", "female": "F", "男": "M", "m": "M", "male": "M"}
CHANNELS = {
    "搜索": "search",
    "百度": "search",
    "search": "search",
    "电商": "ecommerce",
    "美团": "ecommerce",
    "大众点评": "ecommerce",
    "新氧": "ecommerce",
    "ecommerce": "ecommerce",
    "社交": "social",
    "小红书": "social",
    "抖音": "social",
    "微信": "social",
    "social": "social",
    "电话": "phone",
    "phone": "phone",
    "小程序": "mini_program",
    "mini_program": "mini_program",
    "老带新": "referral",
    "转介绍": "referral",
    "朋友介绍": "referral",
    "referral": "referral",
    "自然到院": "walk_in",
    "直接来院": "walk_in",
    "路过": "walk_in",
    "walk_in": "walk_in",
    "报纸": "newspaper",
    "看报纸": "newspaper",
    "newspaper": "newspaper",
    "电视": "tv",
    "tv": "tv",
    "网络": "online",
    "网上": "online",
    "online": "online",
    "其他": "other",
    "other": "other",
}
SATISFACTION = {
    "非常满意": "very_satisfied",
    "满意": "satisfied",
    "一般": "neutral",
    "不满意": "dissatisfied",
    "very_satisfied": "very_satisfied",
    "satisfied": "satisfied",
    "neutral": "neutral",
    "dissatisfied": "dissatisfied",
}


def record_rejections(report: ImportReport, rows: pl.DataFrame) -> None:
    """List rows that failed a check (columns `row`, `_column`, `_reason`) in the report."""
    for row in rows.iter_rows(named=True):
        value = row.get(row["_column"])
        report.rejections.append(
            Rejection(row["row"], row["_column"], row["_reason"], str(value or "")[:100])
        )
