"""Importing customers: check every row, then create new codes and update changed ones.

A row is rejected for what makes the customer unusable (no code, a wrong phone, outside
the importer's stores) with every such error listed; a bad optional cell (a birthday that
is not a date) is dropped with a warning and the customer still goes in. Attribution never
changes once set: a re-import keeps the recorded channel, and a number confirmed dead stays
dead unless the file brings a different number.
"""

from dataclasses import dataclass, field

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.models import Store
from revisit.customers.consents import SOURCE_IMPORT, set_consent
from revisit.customers.models import Channel, Customer, MarketingConsent
from revisit.imports import checks
from revisit.imports.checks import failed, passed, record_failures, text, too_long, with_failures
from revisit.imports.columns import CONSENT_COLUMNS
from revisit.imports.lookups import staff_ids, store_ids
from revisit.imports.parsing import parse_date
from revisit.imports.report import ImportReport, Rejection
from revisit.imports.scope import ImportScope

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
    # customer code → {channel: granted} as the file says it; recorded after the customers.
    consents: dict[str, dict[str, bool]] = field(default_factory=dict)
    scope: ImportScope | None = None
    source: str = ""
    now: object = None

    def stage(self) -> None:
        """Nothing to stage: a customer file is small next to an order file."""

    def cleanup(self) -> None:
        pass

    def apply(self) -> None:
        Customer.objects.bulk_create(self.new, batch_size=2000)
        if self.changed:
            Customer.objects.bulk_update(self.changed, sorted(self.fields), batch_size=2000)
        if self.consents:
            self._record_consents()

    def _record_consents(self) -> None:
        """Each consent the file gives that differs from the one recorded, through the
        audited service; the same file again records nothing."""
        organization = self.scope.organization
        customers = Customer.objects.filter(organization=organization, code__in=self.consents)
        recorded = {
            (customer_id, channel): granted
            for customer_id, channel, granted in MarketingConsent.objects.filter(
                customer__in=customers
            ).values_list("customer_id", "channel", "granted")
        }
        for customer in customers:
            customer.organization = organization
            for channel, granted in self.consents[customer.code].items():
                if recorded.get((customer.pk, channel)) != granted:
                    set_consent(
                        customer,
                        actor=self.scope.actor,
                        channel=channel,
                        granted=granted,
                        source=self.source,
                        now=self.now,
                    )


def _checked(frame: pl.DataFrame, scope: ImportScope, store: Store | None, report: ImportReport):
    """The frame with parsed columns and `_failed`; warnings for dropped optional cells."""
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
        *CONSENT_COLUMNS,
    ]:
        if name not in present:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    stores = store_ids(scope.organization)
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
        *scope.rules(frame, stores),
    ]
    if store is None and scope.whole_organization:
        rules.append(
            (
                "store",
                "门店不存在 (unknown store)",
                text("store").is_not_null() & pl.col("store_id").is_null(),
            )
        )
    # Optional cells: a bad value is left out (its parsed column is null) with a warning.
    optional = [
        (
            "birthday",
            _("The birthday is not a date; it was left empty."),
            text("birthday").is_not_null() & pl.col("birthday_date").is_null(),
        ),
        (
            "first_visit",
            _("The first visit is not a date; it was left empty."),
            text("first_visit").is_not_null() & pl.col("first_visit_date").is_null(),
        ),
        too_long("notes", 2000, "备注"),
        too_long("potential_needs", 2000, "潜在需求"),
    ]
    frame = with_failures(frame, rules)
    warned = with_failures(passed(frame), optional)
    record_failures(report.warnings, failed(warned), optional)
    frame = frame.with_columns(
        *(
            pl.when(pl.col(name).str.len_chars() > 2000)
            .then(None)
            .otherwise(pl.col(name))
            .alias(name)
            for name in ("notes", "potential_needs")
        )
    )
    return frame, rules


def plan_customers(
    scope: ImportScope, frame: pl.DataFrame, report: ImportReport, *, store: Store | None
) -> CustomerPlan:
    """Check rows, record rejections, warnings and duplicates in `report`, return what to
    write. Only customers inside `scope` are created or updated."""
    organization = scope.organization
    mapped = set(frame.columns) - {"row"}
    frame, rules = _checked(frame, scope, store, report)
    record_failures(report.rejections, failed(frame), rules)
    good = passed(frame)
    first = good.filter(pl.col("customer_code").is_first_distinct())
    report.duplicates += good.height - first.height
    staff = staff_ids(organization, scope.store_ids)
    existing = {
        c.code: c
        for c in Customer.objects.filter(
            organization=organization, code__in=first.get_column("customer_code").to_list()
        )
    }
    now = timezone.now()
    plan = CustomerPlan(scope=scope, source=SOURCE_IMPORT.format(file=report.file_name), now=now)
    for row in first.iter_rows(named=True):
        values = _values(row, mapped, staff, store, report)
        consents = _consents(row, report)
        if consents:
            plan.consents[row["customer_code"]] = consents
        customer = existing.get(row["customer_code"])
        if customer is None:
            if values.get("mobile"):
                values["phone_status"] = "valid"
            plan.new.append(
                Customer(
                    organization=organization, code=row["customer_code"], created_at=now, **values
                )
            )
            continue
        _keep_history(customer, values, row["row"], report)
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


def _keep_history(customer: Customer, values: dict, row: int, report: ImportReport) -> None:
    """What a re-import may not change: the first registration's channel (attribution),
    and a phone status learned on calls while the number stays the same."""
    channel = values.get("channel")
    if customer.channel and channel is not None:
        del values["channel"]
        if channel != customer.channel:
            report.warnings.append(
                Rejection(
                    row,
                    "channel",
                    _(
                        "The channel is already recorded as %(channel)s (the first "
                        "registration counts); the file's value was ignored."
                    )
                    % {"channel": Channel(customer.channel).label},
                    str(Channel(channel).label),
                )
            )
    if values.get("mobile") and values["mobile"] != customer.mobile:
        values["phone_status"] = "valid"  # a new number: what was learned was about the old one


def _values(row: dict, mapped: set[str], staff: dict, store: Store | None, report) -> dict:
    """The customer fields this row sets: only columns the file has, only non-empty."""
    values: dict = {}
    if row["name"]:
        values["name"] = row["name"]
    if row["mobile"]:
        values["mobile"] = row["mobile"]
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
        else:
            report.warnings.append(
                Rejection(
                    row["row"],
                    "satisfaction",
                    _("Unknown satisfaction level; it was left empty."),
                    row["satisfaction"],
                )
            )
    for name in ("notes", "potential_needs"):
        if row[name] and name in mapped:
            values[name] = row[name].strip()
    return values


def _consents(row: dict, report: ImportReport) -> dict[str, bool]:
    """{channel: granted} from the row's consent cells; an empty cell says nothing, a value
    that is neither yes nor no is a warning and records nothing."""
    found = {}
    for column, channel in CONSENT_COLUMNS.items():
        value = (row[column] or "").strip()
        if not value:
            continue
        granted = checks.CONSENTS.get(value.lower())
        if granted is None:
            report.warnings.append(
                Rejection(
                    row["row"],
                    column,
                    _("Unknown consent value (use 是 or 否); nothing was recorded."),
                    value[:100],
                )
            )
        else:
            found[channel] = granted
    return found
