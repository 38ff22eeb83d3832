"""Importing customers: check every row, then create new codes and update changed ones."""

from dataclasses import dataclass, field

import polars as pl
from django.utils import timezone

from revisit.core.models import Organization, Store
from revisit.customers.models import Customer
from revisit.imports import checks
from revisit.imports.checks import first_failure, record_rejections, text, too_long
from revisit.imports.lookups import staff_ids, store_ids
from revisit.imports.parsing import parse_date
from revisit.imports.report import ImportReport, Rejection

UPDATABLE = [
    "name",
    "mobile",
    "gender",
    "birthday",
    "birthday_is_lunar",
    "first_visit",
    "owner_id",
    "home_store_id",
    "channel",
    "satisfaction",
    "notes",
    "potential_needs",
]


@dataclass
class CustomerPlan:
    new: list[Customer] = field(default_factory=list)
    changed: list[Customer] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)

    def apply(self) -> None:
        Customer.objects.bulk_create(self.new, batch_size=2000)
        if self.changed:
            Customer.objects.bulk_update(self.changed, sorted(self.fields), batch_size=2000)


def _checked(frame: pl.DataFrame, organization: Organization, store: Store | None):
    present = set(frame.columns)
    for name in [
        "name",
        "phone",
        "gender",
        "birthday",
        "first_visit",
        "owner",
        "store",
        "channel",
        "satisfaction",
        "notes",
        "potential_needs",
    ]:
        if name not in present:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    stores = store_ids(organization)
    frame = frame.with_columns(
        text("customer_code").alias("customer_code"),
        text("name").alias("name"),
        checks.normalized_phones(frame).alias("mobile"),
        parse_date(pl.col("birthday").str.replace_all("农历|阴历|公历|阳历", "")).alias(
            "birthday_date"
        ),
        pl.col("birthday").str.contains("农历|阴历").fill_null(False).alias("lunar"),
        parse_date(pl.col("first_visit")).alias("first_visit_date"),
        text("store").replace_strict(stores, default=None, return_dtype=pl.Int64).alias("store_id"),
    )
    rules = [
        (
            "customer_code",
            "客户编号为空 (customer code is empty)",
            pl.col("customer_code").is_null(),
        ),
        too_long("customer_code", 64, "客户编号"),
        too_long("name", 100, "姓名"),
        (
            "phone",
            "手机号无效 (not a valid phone number)",
            pl.col("phone").is_not_null() & pl.col("mobile").is_null(),
        ),
        (
            "birthday",
            "生日日期无法识别 (birthday is not a date)",
            text("birthday").is_not_null() & pl.col("birthday_date").is_null(),
        ),
        (
            "first_visit",
            "首次到院日期无法识别 (first visit is not a date)",
            text("first_visit").is_not_null() & pl.col("first_visit_date").is_null(),
        ),
        too_long("notes", 2000, "备注"),
        too_long("potential_needs", 2000, "潜在需求"),
    ]
    if store is None:
        rules.append(
            (
                "store",
                "门店不存在 (unknown store)",
                text("store").is_not_null() & pl.col("store_id").is_null(),
            )
        )
    column, reason = first_failure(rules)
    return frame.with_columns(column.alias("_column"), reason.alias("_reason"))


def plan_customers(
    organization: Organization, frame: pl.DataFrame, report: ImportReport, *, store: Store | None
) -> CustomerPlan:
    """Check rows, record rejections and duplicates in `report`, return what to write."""
    mapped = set(frame.columns) - {"row"}
    frame = _checked(frame, organization, store)
    record_rejections(report, frame.filter(pl.col("_reason").is_not_null()))
    good = frame.filter(pl.col("_reason").is_null())
    first = good.filter(pl.col("customer_code").is_first_distinct())
    report.duplicates += good.height - first.height
    staff = staff_ids(organization)
    existing = {
        c.code: c
        for c in Customer.objects.filter(
            organization=organization, code__in=first.get_column("customer_code").to_list()
        )
    }
    plan = CustomerPlan()
    now = timezone.now()
    for row in first.iter_rows(named=True):
        values = _values(row, mapped, staff, store, report)
        customer = existing.get(row["customer_code"])
        if customer is None:
            plan.new.append(
                Customer(
                    organization=organization, code=row["customer_code"], created_at=now, **values
                )
            )
            continue
        changed = {k: v for k, v in values.items() if getattr(customer, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(customer, key, value)
            customer.updated_at = now
            plan.changed.append(customer)
            plan.fields.update(changed)
            plan.fields.add("updated_at")
        else:
            report.duplicates += 1
    report.imported += len(plan.new)
    report.updated += len(plan.changed)
    return plan


def _values(row: dict, mapped: set[str], staff: dict, store: Store | None, report) -> dict:
    """The customer fields this row sets: only columns the file has, only non-empty."""
    values: dict = {}
    if row["name"]:
        values["name"] = row["name"]
    if row["mobile"]:
        values["mobile"] = row["mobile"]
        values["phone_status"] = "valid"
    if row["gender"]:
        gender = checks.GENDERS.get(row["gender"].strip().lower())
        if gender is None:
            report.warnings.append(
                Rejection(
                    row["row"], "gender", "无法识别的性别，已留空 (unknown gender)", row["gender"]
                )
            )
        else:
            values["gender"] = gender
    if row["birthday_date"]:
        values["birthday"] = row["birthday_date"]
        values["birthday_is_lunar"] = row["lunar"]
    if row["first_visit_date"]:
        values["first_visit"] = row["first_visit_date"]
    if store is not None:
        values["home_store_id"] = store.pk
    elif row["store_id"]:
        values["home_store_id"] = row["store_id"]
    if row["owner"]:
        owner = staff.get(row["owner"].strip())
        if owner is None:
            report.warnings.append(
                Rejection(
                    row["row"],
                    "owner",
                    "找不到该员工，归属咨询师留空 (unknown staff member)",
                    row["owner"],
                )
            )
        else:
            values["owner_id"] = owner
    if row["channel"]:
        channel = checks.CHANNELS.get(row["channel"].strip().lower())
        values["channel"] = channel or "other"
        if channel is None:
            report.warnings.append(
                Rejection(
                    row["row"],
                    "channel",
                    "未知来源渠道，记为“其他” (unknown channel: other)",
                    row["channel"],
                )
            )
    if row["satisfaction"]:
        satisfaction = checks.SATISFACTION.get(row["satisfaction"].strip().lower())
        if satisfaction:
            values["satisfaction"] = satisfaction
    for name in ("notes", "potential_needs"):
        if row[name] and name in mapped:
            values[name] = row[name].strip()
    return values
