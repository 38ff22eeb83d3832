"""Importing customers: check every row, then create new codes and update changed ones,
set-based through staging tables like order lines (`revisit.imports.staging`).

A row is rejected for what makes the customer unusable (no code, a wrong phone, outside
the importer's stores) with every such error listed; a bad optional cell (a birthday that
is not a date) is dropped with a warning and the customer still goes in. Attribution never
changes once set: a re-import keeps the recorded channel, and a number confirmed dead stays
dead unless the file brings a different number.
"""

from dataclasses import dataclass, field

import polars as pl
from django.db import connection
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.access import importable_customers
from revisit.core.models import AuditEvent, Store
from revisit.customers.consents import SOURCE_IMPORT, SOURCE_MAX
from revisit.customers.emails import normalize_email, normalize_openid
from revisit.customers.models import Channel, Customer, MarketingConsent
from revisit.imports import checks
from revisit.imports.checks import failed, passed, record_failures, text, too_long, with_failures
from revisit.imports.columns import CONSENT_COLUMNS
from revisit.imports.lookups import staff_ids, store_ids
from revisit.imports.parsing import parse_date
from revisit.imports.report import ImportReport, Rejection
from revisit.imports.scope import ImportScope
from revisit.imports.staging import Staging, insert_select, quote, staged_keys

# The customer columns an import writes, with their staging kinds.
COLUMNS = {
    "name": "text",
    "mobile": "text",
    "email": "text",
    "wechat_openid": "text",
    "gender": "text",
    "birthday": "date",
    "birthday_is_lunar": "bool",
    "first_visit": "date",
    "owner_id": "int",
    "home_store_id": "int",
    "channel": "text",
    "satisfaction": "text",
    "notes": "text",
    "potential_needs": "text",
    "phone_status": "text",
}
_POLARS = {"text": pl.String, "date": pl.Date, "bool": pl.Boolean, "int": pl.Int64}
CONSENT_STAGING = {"customer_code": "text", "channel": "text", "granted": "bool", "source": "text"}


def _frame(rows: list[dict], key: str, kind: str) -> pl.DataFrame:
    schema = {key: _POLARS[kind]} | {name: _POLARS[k] for name, k in COLUMNS.items()}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


@dataclass
class CustomerPlan:
    """What a customer import writes. Like an order import (`revisit.imports.staging`):
    `stage()` loads the rows into temporary tables without a lock, `apply()` writes them
    with a fixed number of set-based statements inside the caller's transaction, however
    many customers the file holds, `cleanup()` drops the temporary tables."""

    scope: ImportScope
    new: pl.DataFrame  # customer_code and every column of COLUMNS (defaults filled in)
    changed: pl.DataFrame  # id and the COLUMNS that change (null: left as it is)
    consents: pl.DataFrame  # customer_code, channel, granted, source: as the file says
    now: object
    staging: Staging = field(default_factory=Staging)

    def stage(self) -> None:
        if self.new.height:
            self.staging.load("new", self.new, {"customer_code": "text", **COLUMNS})
        if self.changed.height:
            self.staging.load("changed", self.changed, {"id": "int", **COLUMNS})
        if self.consents.height:
            self.staging.load("consents", self.consents, CONSENT_STAGING)

    def cleanup(self) -> None:
        self.staging.drop()

    def apply(self) -> None:
        organization, table = self.scope.organization, self.staging.name
        if self.new.height:
            insert_select(
                Customer,
                {"code": "s.customer_code"} | {name: f"s.{quote(name)}" for name in COLUMNS},
                f"FROM {table('new')} s",
                organization_id=organization.pk,
                created_at=self.now,
                updated_at=self.now,
            )
        if self.changed.height:
            self._update(table("changed"))
        if self.consents.height:
            record_consents(self.scope, table("consents"), self.now)

    def _update(self, changed: str) -> None:
        """Each changed column of each changed customer; the others keep what they hold,
        even if someone edited them since the file was checked. Only customers of the
        organization the importer may write (the planner checked it; the statement says
        it again)."""
        customers = quote(Customer._meta.db_table)
        sets = ", ".join(
            f"{quote(name)} = COALESCE(s.{quote(name)}, {customers}.{quote(name)})"
            for name in COLUMNS
        )
        within, params = "", []
        writable = importable_customers(self.scope.actor)
        if writable is not None:
            sql, params = writable.values("pk").query.sql_with_params()
            within = f"AND {customers}.{quote('id')} IN ({sql})"
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {customers} SET {sets}, {quote('updated_at')} = %s "
                f"FROM {changed} s WHERE {customers}.{quote('id')} = s.{quote('id')} "
                f"AND {customers}.{quote('organization_id')} = %s {within}",
                [
                    Customer._meta.get_field("updated_at").get_db_prep_save(self.now, connection),
                    self.scope.organization.pk,
                    *params,
                ],
            )


def record_consents(scope: ImportScope, consents: str, now) -> None:
    """Each consent the file gives that differs from the one recorded (or is the first),
    with one `consent.set` audit event each, as `set_consent` records one by hand; the
    same file again records nothing. Three statements, however many consents."""
    organization = scope.organization
    customers = quote(Customer._meta.db_table)
    recorded = quote(MarketingConsent._meta.db_table)
    joined = (
        f"FROM {consents} s JOIN {customers} c "
        f"ON c.{quote('organization_id')} = %s AND c.{quote('code')} = s.customer_code "
        f"LEFT JOIN {recorded} m ON m.{quote('customer_id')} = c.{quote('id')} "
        f"AND m.{quote('channel')} = s.channel"
    )
    if connection.vendor == "postgresql":
        details = (
            "jsonb_build_object('channel', s.channel, 'before', m.granted, "
            "'after', s.granted, 'source', s.source)"
        )
    else:

        def boolean(column: str) -> str:
            return (
                f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') "
                "ELSE json('false') END"
            )

        details = (
            f"json_object('channel', s.channel, 'before', {boolean('m.granted')}, "
            f"'after', {boolean('s.granted')}, 'source', s.source)"
        )
    differs = f"m.{quote('granted')} <> s.granted"
    insert_select(
        AuditEvent,
        {"target_id": f"CAST(c.{quote('id')} AS text)", "data": details},
        f"{joined} WHERE m.{quote('id')} IS NULL OR {differs}",
        [organization.pk],
        organization_id=organization.pk,
        actor_id=scope.actor.pk if scope.actor else None,
        action="consent.set",
        target_type=Customer._meta.label_lower,
        created_at=now,
    )
    at = MarketingConsent._meta.get_field("recorded_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {recorded} SET {quote('granted')} = s.granted, "
            f"{quote('recorded_at')} = %s, {quote('source')} = s.source "
            f"FROM {consents} s JOIN {customers} c "
            f"ON c.{quote('organization_id')} = %s AND c.{quote('code')} = s.customer_code "
            f"WHERE {recorded}.{quote('customer_id')} = c.{quote('id')} "
            f"AND {recorded}.{quote('channel')} = s.channel "
            f"AND {recorded}.{quote('granted')} <> s.granted",
            [at, organization.pk],
        )
    insert_select(
        MarketingConsent,
        {
            "customer_id": f"c.{quote('id')}",
            "channel": "s.channel",
            "granted": "s.granted",
            "source": "s.source",
        },
        f"{joined} WHERE m.{quote('id')} IS NULL",
        [organization.pk],
        recorded_at=now,
    )


def _checked(frame: pl.DataFrame, scope: ImportScope, store: Store | None, report: ImportReport):
    """The frame with parsed columns and `_failed`; warnings for dropped optional cells."""
    present = set(frame.columns)
    for name in [
        "name",
        "phone",
        "email",
        "wechat_openid",
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
    existing = _existing(organization, first.get_column("customer_code"))
    now = timezone.now()
    source = SOURCE_IMPORT.format(file=report.file_name).strip()[:SOURCE_MAX]
    defaults = _column_defaults()
    new, changed, consents = [], [], []
    for row in first.iter_rows(named=True):
        values = _values(row, mapped, staff, store, report)
        code = row["customer_code"]
        for channel, granted in _consents(row, report).items():
            consents.append((code, channel, granted, source))
        recorded = existing.get(code)
        if recorded is None:
            if values.get("mobile"):
                values["phone_status"] = "valid"
            new.append([code, *(values.get(name, defaults.get(name)) for name in COLUMNS)])
            continue
        _keep_history(recorded, values, row["row"], report)
        differs = {k: v for k, v in values.items() if recorded[k] != v}
        if differs:
            changed.append([recorded["id"], *(differs.get(name) for name in COLUMNS)])
        else:
            report.duplicates += 1
    report.imported += len(new)
    report.updated += len(changed)
    return CustomerPlan(
        scope,
        new=_frame(new, "customer_code", "text"),
        changed=_frame(changed, "id", "int"),
        consents=pl.DataFrame(
            consents,
            schema={name: _POLARS[kind] for name, kind in CONSENT_STAGING.items()},
            orient="row",
        ),
        now=now,
    )


def _column_defaults() -> dict:
    """What a new customer holds in each column the file leaves out (a column with only a
    database default gives that default's value: the rows are inserted by a statement)."""
    defaults = {}
    for name in COLUMNS:
        field = Customer._meta.get_field(name)
        if field.null:
            continue
        default = field.get_default()
        if isinstance(default, DatabaseDefault):
            default = getattr(field.db_default, "value", field.db_default)
        defaults[name] = default
    return defaults


def _existing(organization, codes: pl.Series) -> dict[str, dict]:
    """The file's customers already recorded (code → their importable columns), found by
    joining the staged codes in the database."""
    with staged_keys(codes) as keys:
        return {
            row["code"]: row
            for row in Customer.objects.filter(organization=organization, code__in=keys)
            .order_by()
            .values("id", "code", *COLUMNS)
        }


def _keep_history(customer: dict, values: dict, row: int, report: ImportReport) -> None:
    """What a re-import may not change: the first registration's channel (attribution),
    and a phone status learned on calls while the number stays the same."""
    channel = values.get("channel")
    if customer["channel"] and channel is not None:
        del values["channel"]
        if channel != customer["channel"]:
            report.warnings.append(
                Rejection(
                    row,
                    "channel",
                    _(
                        "The channel is already recorded as %(channel)s (the first "
                        "registration counts); the file's value was ignored."
                    )
                    % {"channel": Channel(customer["channel"]).label},
                    str(Channel(channel).label),
                )
            )
    if values.get("mobile") and values["mobile"] != customer["mobile"]:
        values["phone_status"] = "valid"  # a new number: what was learned was about the old one


def _values(row: dict, mapped: set[str], staff: dict, store: Store | None, report) -> dict:
    """The customer fields this row sets: only columns the file has, only non-empty."""
    values: dict = {}
    if row["name"]:
        values["name"] = row["name"]
    if row["mobile"]:
        values["mobile"] = row["mobile"]
    for name, parse, message in (
        ("email", normalize_email, _("Not a valid email address; it was left as it was.")),
        (
            "wechat_openid",
            normalize_openid,
            _("Not a WeChat recipient id; it was left as it was."),
        ),
    ):
        if row[name] and row[name].strip():
            try:
                values[name] = parse(row[name])
            except ValueError:
                report.warnings.append(Rejection(row["row"], name, message, row[name][:100]))
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
