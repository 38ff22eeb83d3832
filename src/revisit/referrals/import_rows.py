"""Importing a clinic's referral history (`revisit import referrals FILE`, or the imports
page): one row per referred person, with the arrival facts that decide her attribution.

Every row is checked before anything is written; a rejected row is listed with its row,
column and reason, the good rows go in through the same services as the pages
(`register_lead`, `record_arrival`): the same rules, the same attribution, decided once.
Importing the file again creates nothing: a person already registered by the same
referrer is a duplicate (her arrival is recorded if the first file lacked it, never
changed once decided); registered by another referrer, she is rejected (the first
registration counts). A store manager imports only for referrers of her stores; an
unknown referrer code and another store's read the same, so a file cannot probe which
codes exist elsewhere.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from revisit.core.access import importable_customers
from revisit.core.clock import day_bounds, local_date, org_zone
from revisit.core.models import Role, Staff, Store
from revisit.customers.models import Channel, Customer
from revisit.customers.phones import normalize_phone
from revisit.imports.checks import CHANNELS
from revisit.imports.columns import FieldSpec
from revisit.imports.errors import ImportFileError
from revisit.imports.parsing import parse_date
from revisit.imports.report import ImportReport, Rejection
from revisit.imports.scope import ImportScope
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.leads import lead_stores, register_lead
from revisit.referrals.models import Intention, Lead
from revisit.referrals.policy import (
    ARRIVAL_ROLES,
    CONTROL,
    REGISTER_ROLES,
    TEXT_LIMITS,
    ReferralError,
)

REFERRAL_FIELDS = (
    FieldSpec(
        "referrer_code",
        "推荐人编号",
        ("referrer_code", "推荐人编号", "推荐人", "老客编号", "推荐人客户编号", "推荐人会员号"),
        required=True,
    ),
    FieldSpec(
        "name", "被推荐人姓名", ("name", "被推荐人姓名", "被推荐人", "新客姓名", "姓名"), True
    ),
    FieldSpec("mobile", "被推荐人手机", ("mobile", "被推荐人手机", "新客手机", "手机", "手机号")),
    FieldSpec("wechat_id", "微信", ("wechat_id", "wechat", "微信", "微信号")),
    FieldSpec("items", "需求项目", ("items", "需求项目", "意向项目", "项目")),
    FieldSpec("intention", "意向级别", ("intention", "意向级别", "级别", "意向", "单级")),
    FieldSpec("registered_on", "建档日期", ("registered_on", "建档日期", "登记日期"), True),
    FieldSpec("arrived_on", "到院日期", ("arrived_on", "到院日期", "来院日期")),
    FieldSpec("channel", "渠道", ("channel", "渠道", "原渠道", "已建档渠道", "首次建档渠道")),
    FieldSpec("referrer_came", "老客同行", ("referrer_came", "老客同行", "老客陪同")),
    FieldSpec("asked_consultant", "点名咨询师", ("asked_consultant", "点名咨询师", "指定咨询师")),
    FieldSpec("came_in_group", "结伴来院", ("came_in_group", "结伴来院", "多人同行")),
    FieldSpec("registered_by", "建档人", ("registered_by", "建档人", "登记人")),
    FieldSpec("store", "门店", ("store", "门店", "院区")),
)
INTENTIONS = {
    **dict.fromkeys(["一级", "1", "一", "强", "有效一级"], Intention.LEVEL_1),
    **dict.fromkeys(["二级", "2", "二", "中"], Intention.LEVEL_2),
    **dict.fromkeys(["三级", "3", "三", "弱"], Intention.LEVEL_3),
}
FLAGS = {
    **dict.fromkeys(["是", "y", "yes", "1", "true", "√", "有"], True),
    **dict.fromkeys(["否", "n", "no", "0", "false", "×", "无"], False),
}
FIRST_DAY = date(2000, 1, 1)
CHUNK = 5000


def outside_referrer_reason(scope: ImportScope) -> str:
    if scope.whole_organization:
        return _("Unknown referrer code (import the customers first).")
    # Another store's code and a code that does not exist read the same.
    return _("Unknown referrer code, or a customer outside the stores you may import into.")


@dataclass
class Planned:
    row: int
    referrer: Customer
    store: Store
    registrar: Staff
    values: dict
    registered_at: datetime
    arrived_at: datetime | None
    facts: ArrivalFacts
    channel: str
    existing: Lead | None = None

    @property
    def day(self) -> date:
        return self.registered_at.date()


@dataclass
class ReferralPlan:
    scope: ImportScope
    arrival_actor: Staff | None
    rows: list[Planned] = field(default_factory=list)

    def stage(self) -> None:
        """Nothing to stage: the rows go through the referral services in apply."""

    def cleanup(self) -> None:
        pass

    def apply(self) -> None:
        for planned in self.rows:
            try:
                with transaction.atomic():
                    _apply(planned, self.arrival_actor)
            except (ReferralError, PermissionDenied) as exc:
                # Something changed since the rows were checked (another registration of
                # her): nothing of this file is written.
                message = getattr(exc, "message", "") or _("Not allowed.")
                raise ImportFileError(
                    _("Row %(row)s could not be imported (%(why)s); import the file again.")
                    % {"row": planned.row, "why": message}
                ) from None
        if self.rows:
            from revisit.referrals.rewards import propose_due_rewards

            organization = self.scope.organization
            transaction.on_commit(lambda: propose_due_rewards(organization))


def _apply(planned: Planned, arrival_actor: Staff) -> None:
    lead = planned.existing
    if lead is None:
        lead = register_lead(
            planned.referrer,
            actor=planned.registrar,
            store=planned.store,
            follow_up=planned.arrived_at is None,
            now=planned.registered_at,
            **planned.values,
        )
    if planned.arrived_at is not None and not lead.decided:
        record_arrival(
            lead,
            actor=arrival_actor,
            facts=planned.facts,
            registered_elsewhere=planned.channel,
            now=planned.arrived_at,
        )


def _text(row: dict, name: str) -> str:
    return str(row.get(name) or "").strip()


def _staff_index(scope: ImportScope) -> dict[str, Staff]:
    people = Staff.objects.filter(
        organization=scope.organization,
        is_active=True,
        role_assignments__role__in=REGISTER_ROLES,
    ).prefetch_related("role_assignments")
    index: dict[str, Staff] = {}
    for person in people.distinct():
        index.setdefault(person.username, person)
        if person.display_name:
            index.setdefault(person.display_name, person)
    return index


def _default_actor(scope: ImportScope, roles) -> Staff | None:
    """Who acts for the rows: the importer, or (from the command line, which imports as
    the organization) its first active administrator."""
    if scope.actor is not None:
        return scope.actor if scope.actor.has_role(*roles) else None
    return (
        Staff.objects.filter(
            organization=scope.organization, is_active=True, role_assignments__role=Role.ADMIN
        )
        .prefetch_related("role_assignments")
        .order_by("pk")
        .first()
    )


def _referrers(scope: ImportScope, codes: list[str]) -> dict[str, Customer]:
    allowed = importable_customers(scope.actor)
    queryset = Customer.objects.filter(organization=scope.organization)
    if allowed is not None:
        queryset = allowed.filter(organization=scope.organization)
    found = {}
    for start in range(0, len(codes), CHUNK):
        for customer in queryset.filter(code__in=codes[start : start + CHUNK]).select_related(
            "home_store"
        ):
            found[customer.code] = customer
    return found


def _flag(row: dict, name: str, problems: list) -> bool:
    value = _text(row, name).lower()
    if not value:
        return False
    if value not in FLAGS:
        problems.append((name, _("Write 是 or 否.")))
        return False
    return FLAGS[value]


def plan_referrals(
    scope: ImportScope, frame: pl.DataFrame, report: ImportReport, *, store: Store | None
) -> ReferralPlan:
    """Check every row, record rejections and duplicates in `report`, and return the rows
    to register (and mark arrived)."""
    for name in (f.name for f in REFERRAL_FIELDS):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    frame = frame.with_columns(
        parse_date(pl.col("registered_on")).alias("_registered"),
        parse_date(pl.col("arrived_on")).alias("_arrived"),
    )
    organization = scope.organization
    zone = org_zone(organization)
    today = local_date(organization)
    codes = frame.get_column("referrer_code").drop_nulls().str.strip_chars().unique().to_list()
    referrers = _referrers(scope, codes)
    staff = _staff_index(scope)
    registrar_default = _default_actor(scope, REGISTER_ROLES)
    plan = ReferralPlan(scope, arrival_actor=_default_actor(scope, ARRIVAL_ROLES))
    stores = {s.code: s for s in Store.objects.filter(organization=organization)}
    seen: dict[str, int] = {}
    allowed_stores: dict[tuple, set[int]] = {}
    candidates: list[Planned] = []
    for row in frame.iter_rows(named=True):
        problems: list[tuple[str, str]] = []
        number = row["row"]
        code = _text(row, "referrer_code")
        referrer = referrers.get(code)
        if not code:
            problems.append(("referrer_code", _("The referrer code is empty.")))
        elif referrer is None:
            problems.append(("referrer_code", outside_referrer_reason(scope)))
        values = {}
        for name in ("name", "wechat_id", "items"):
            value = _text(row, name)
            limit = TEXT_LIMITS[name]
            if len(value) > limit:
                problems.append((name, _("At most %(n)d characters.") % {"n": limit}))
            elif any(c in CONTROL for c in value):
                problems.append((name, _("Remove the control characters from the text.")))
            values[name] = value[:limit]
        if not values["name"]:
            problems.append(("name", _("Enter the new person's name.")))
        mobile = ""
        if _text(row, "mobile"):
            try:
                mobile = normalize_phone(_text(row, "mobile")[:40])
            except ValueError:
                problems.append(("mobile", _("Not a valid phone number.")))
        intention_text = _text(row, "intention")
        intention = INTENTIONS.get(intention_text) if intention_text else Intention.LEVEL_3
        if intention is None:
            problems.append(("intention", _("Write 一级, 二级 or 三级.")))
            intention = Intention.LEVEL_3
        if intention != Intention.LEVEL_3 and not (_text(row, "mobile") or values["wechat_id"]):
            problems.append(
                ("mobile", _("A level 1 or 2 lead needs a mobile number or WeChat ID."))
            )
        registered, arrived = row["_registered"], row["_arrived"]
        if registered is None:
            problems.append(("registered_on", _("The registration date is not a date.")))
        elif not FIRST_DAY <= registered <= today:
            problems.append(("registered_on", _("The registration date is not a past date.")))
        if _text(row, "arrived_on"):
            if arrived is None:
                problems.append(("arrived_on", _("The arrival date is not a date.")))
            elif arrived > today or (registered is not None and arrived < registered):
                problems.append(
                    ("arrived_on", _("The arrival date must fall between registration and today."))
                )
            elif not mobile:
                problems.append(("mobile", _("Enter her mobile number first.")))
        channel = ""
        if _text(row, "channel"):
            channel = CHANNELS.get(_text(row, "channel").lower(), "")
            if not channel:
                problems.append(("channel", _("Unknown channel.")))
            elif channel in (Channel.REFERRAL, Channel.WALK_IN):
                channel = ""  # no other channel registered her first
        facts = ArrivalFacts(
            referrer_came=_flag(row, "referrer_came", problems),
            asked_consultant_by_name=_flag(row, "asked_consultant", problems),
            came_in_group=_flag(row, "came_in_group", problems),
        )
        registrar = registrar_default
        if _text(row, "registered_by"):
            registrar = staff.get(_text(row, "registered_by"))
            if registrar is None:
                problems.append(
                    ("registered_by", _("Unknown staff member, or one who may not register."))
                )
        elif registrar is None:
            problems.append(("registered_by", _("Name who registered her.")))
        lead_store = store or (referrer.home_store if referrer else None)
        if _text(row, "store"):
            lead_store = stores.get(_text(row, "store"))
        if referrer is not None and (lead_store is None or not scope.allows_store(lead_store)):
            problems.append(("store", _("You may not import into this store.")))
        elif referrer is not None and registrar is not None:
            allowed_key = (registrar.pk, referrer.home_store_id)
            if allowed_key not in allowed_stores:
                allowed_stores[allowed_key] = set(
                    lead_stores(registrar, referrer).values_list("pk", flat=True)
                )
            if lead_store.pk not in allowed_stores[allowed_key]:
                problems.append(("store", _("Choose one of your stores.")))
        if mobile and referrer is not None and mobile == referrer.mobile:
            problems.append(("mobile", _("The referrer cannot refer herself.")))
        key = mobile or f"{code}\x1f{values['name']}\x1f{registered}"
        first = seen.setdefault(key, number)
        if first != number:
            problems.append(
                ("mobile", _("She is already in row %(row)s of the file.") % {"row": first})
            )
        if problems:
            for column, reason in problems:
                report.rejections.append(
                    Rejection(number, column, reason, _text(row, column)[:100])
                )
            continue
        candidates.append(
            Planned(
                row=number,
                referrer=referrer,
                store=lead_store,
                registrar=registrar,
                values={**values, "mobile": mobile, "intention": intention},
                registered_at=datetime.combine(registered, time(10), tzinfo=zone),
                arrived_at=datetime.combine(arrived, time(12), tzinfo=zone) if arrived else None,
                facts=facts,
                channel=channel,
            )
        )
    _match_existing(scope, candidates, report, plan)
    return plan


def _match_existing(scope, candidates: list[Planned], report: ImportReport, plan) -> None:
    """Leads the organization has already: the same referrer's is a duplicate (or gets
    the arrival the first import lacked); another referrer's is refused."""
    mobiles = [c.values["mobile"] for c in candidates if c.values["mobile"]]
    by_mobile: dict[str, Lead] = {}
    for start in range(0, len(mobiles), CHUNK):
        for lead in Lead.objects.filter(
            organization=scope.organization, mobile__in=mobiles[start : start + CHUNK]
        ):
            by_mobile.setdefault(lead.mobile, lead)
    taken = set(
        Customer.objects.filter(organization=scope.organization, mobile__in=mobiles)
        .filter(referred_as__isnull=False)
        .values_list("mobile", flat=True)
    )
    for planned in candidates:
        mobile = planned.values["mobile"]
        if mobile:
            existing = by_mobile.get(mobile)
        else:
            existing = (
                Lead.objects.filter(
                    organization=scope.organization,
                    referrer=planned.referrer,
                    name=planned.values["name"],
                    mobile="",
                    registered_at__gte=day_bounds(scope.organization, planned.day)[0],
                    registered_at__lt=day_bounds(scope.organization, planned.day)[1],
                )
                .order_by("pk")
                .first()
            )
        if existing is None and mobile in taken:
            existing_other = True
        else:
            existing_other = existing is not None and existing.referrer_id != planned.referrer.pk
        if existing_other:
            report.rejections.append(
                Rejection(
                    planned.row,
                    "mobile",
                    _("She is registered already: the first registration counts."),
                    mobile,
                )
            )
            continue
        if existing is not None:
            if planned.arrived_at is not None and not existing.decided:
                planned.existing = existing
                plan.rows.append(planned)
                report.updated += 1
            else:
                report.duplicates += 1
            continue
        plan.rows.append(planned)
        report.imported += 1
