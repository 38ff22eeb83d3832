"""Inventory services: grade everyone as of a date, keep the result, move tiers.

`run_inventory` is the one write path for grades; approvals and rejections of upgrade
proposals are the one write path for tier rises. Downgrades follow the organization's
rule and are applied during an inventory.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit import engine
from revisit.core.audit import record_event
from revisit.core.bulk import insert_frame, temporary_table
from revisit.core.models import Organization, Role, Staff
from revisit.customers.models import Customer, Tier
from revisit.grading.frames import (
    load_customers,
    load_customers_and_lines,
    load_grades,
    load_order_lines,
    load_points,
)
from revisit.grading.models import (
    Grade,
    GradingSettings,
    Inventory,
    TierChange,
    check_tier_basis,
)

TIER_RANK = {t.value: i for i, t in enumerate(Tier)}
TIERS_TOP_DOWN = [t.value for t in Tier]


@dataclass(frozen=True)
class InventoryConfig:
    """What an inventory was run with; stored on the inventory as JSON."""

    window_months: int | None = None
    thresholds: str = "mean"
    tier_basis: str = "spend"
    tier_levels: dict = field(default_factory=dict)
    downgrade_after_days: int = 365
    score_weights: dict = field(default_factory=dict)
    band_rules: list = field(default_factory=list)

    @classmethod
    def from_settings(cls, s: GradingSettings, **overrides) -> "InventoryConfig":
        levels = {
            "svip_min_spend": str(s.svip_min_spend),
            "a_min_spend": str(s.a_min_spend),
            "b_min_spend": str(s.b_min_spend),
            "a_above_points": s.a_above_points,
            "b_min_points": s.b_min_points,
            "a_top_share": str(s.a_top_share),
            "b_next_share": str(s.b_next_share),
        }
        values = {
            "window_months": s.window_months,
            "thresholds": s.thresholds,
            "tier_basis": s.tier_basis,
            "tier_levels": levels,
            "downgrade_after_days": s.downgrade_after_days,
            "score_weights": s.score_weights or {},
            "band_rules": s.band_rules or [],
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def grading_settings(organization: Organization) -> GradingSettings:
    """The organization's grading rules (created with the defaults on first use)."""
    settings, _ = GradingSettings.objects.get_or_create(organization=organization)
    return settings


def run_inventory(
    organization: Organization,
    *,
    as_of: date,
    actor: Staff | None = None,
    window_months: int | None = None,
    thresholds: str | dict | None = None,
    publish: bool | None = None,
    now=None,
) -> Inventory:
    """Grade every customer of `organization` as of `as_of` and keep the snapshot.

    A published inventory becomes the organization's current one (pages, segments, call
    lists) and moves tiers: first tiers are set, upgrade proposals refreshed (tier rises
    wait for a store manager), rule-based downgrades applied. A draft only keeps its
    grades until `publish_inventory`. `publish=None` publishes a run made with the
    organization's own settings and keeps a what-if run (another window or thresholds)
    as a draft. Raises ValueError for a bad thresholds mode.
    """
    now = now or timezone.now()
    settings = grading_settings(organization)
    config = InventoryConfig.from_settings(
        settings, window_months=window_months, thresholds=thresholds
    )
    if publish is None:
        publish = config == InventoryConfig.from_settings(settings)
    engine.parse_thresholds(config.thresholds)  # fail before any work on a bad mode
    check_tier_basis(config.tier_basis)
    if config.band_rules:
        engine.validate_band_rules(config.band_rules)
    customers, lines = load_customers_and_lines(organization, until=as_of)
    graded_customers = customers.select("customer_id")
    if config.tier_basis == "points":
        graded_customers = graded_customers.join(
            load_points(organization, as_of=as_of), on="customer_id", how="left"
        )
    result = engine.grade(
        lines,
        graded_customers,
        as_of=as_of,
        window_months=config.window_months,
        thresholds=config.thresholds,
        tiers=_tier_config(config),
        score_weights=config.score_weights or None,
    )
    graded = result.frame.join(customers, on="customer_id", how="left")
    if config.band_rules:
        graded = engine.assign_bands(graded, config.band_rules, default="")
    graded = graded.join(_last_purchase(lines), on="customer_id", how="left")
    with transaction.atomic():
        inventory = Inventory.objects.create(
            organization=organization,
            as_of=as_of,
            config=asdict(config),
            thresholds={k: _jsonable(v) for k, v in result.thresholds.items()},
            customer_count=graded.height,
            graded_count=graded.filter(pl.col("segment") != "none").height,
            segment_counts=_counts(graded, "segment"),
            tier_counts=_counts(graded, "tier"),
            run_by=actor,
            status=Inventory.Status.DRAFT,
        )
        _write_grades(inventory, graded)
        record_event(
            organization,
            actor=actor,
            action="inventory.run",
            target=inventory,
            as_of=as_of.isoformat(),
            customers=inventory.customer_count,
            draft=not publish,
        )
        if publish:
            _publish(inventory, graded, actor, now)
    return inventory


def publish_inventory(inventory_id: int, *, actor: Staff | None = None, now=None) -> Inventory:
    """Make a draft inventory the organization's current one, and move tiers as its run
    would have: first tiers, upgrade proposals, downgrades, from the draft's grades and
    the customers' tiers as they are now. Only an admin publishes (`actor=None` is the
    command line). Raises PermissionDenied or ValueError (already published, or older
    than the current inventory, whose tier changes it would undo)."""
    now = now or timezone.now()
    with transaction.atomic():
        inventory = Inventory.objects.select_for_update().get(pk=inventory_id)
        if actor is not None and not _is_admin_of(actor, inventory.organization_id):
            raise PermissionDenied(_("Only an admin can publish an inventory."))
        if inventory.is_published:
            raise ValueError(_("This inventory is already published."))
        newer = Inventory.objects.filter(
            organization_id=inventory.organization_id,
            status=Inventory.Status.PUBLISHED,
            as_of__gt=inventory.as_of,
        )
        if newer.exists():
            raise ValueError(
                _("A published inventory of a later date exists; run a new one instead.")
            )
        organization = inventory.organization
        lines = load_order_lines(organization, until=inventory.as_of)
        graded = (
            load_grades(inventory.pk)
            .join(load_customers(organization), on="customer_id", how="inner")
            .join(
                engine.cumulative_spend(lines, inventory.as_of),
                on="customer_id",
                how="left",
            )
            .join(_last_purchase(lines), on="customer_id", how="left")
        )
        _publish(inventory, graded, actor, now)
    return inventory


def _publish(inventory: Inventory, graded: pl.DataFrame, actor, now) -> None:
    config = InventoryConfig(**inventory.config)
    initial = _set_initial_tiers(inventory, graded, now)
    proposed = _refresh_upgrade_proposals(inventory, graded, config, now)
    downgraded = _apply_downgrades(inventory, graded, config, actor, now)
    inventory.status = Inventory.Status.PUBLISHED
    inventory.published_at, inventory.published_by = now, actor
    inventory.save(update_fields=["status", "published_at", "published_by"])
    record_event(
        inventory.organization,
        actor=actor,
        action="inventory.publish",
        target=inventory,
        as_of=inventory.as_of.isoformat(),
        initial_tiers=initial,
        upgrade_proposals=proposed,
        downgrades=downgraded,
    )


def _is_admin_of(actor: Staff, organization_id: int) -> bool:
    return actor.organization_id == organization_id and any(
        a.role == Role.ADMIN for a in actor.role_assignments.all()
    )


def _last_purchase(lines: pl.DataFrame) -> pl.DataFrame:
    """Last positive-amount order date over all history (the window does not apply:
    the downgrade rule asks whether the customer bought at all)."""
    return (
        lines.filter(pl.col("amount_cents") > 0)
        .group_by("customer_id")
        .agg(pl.col("order_date").max().alias("last_purchase"))
    )


def _tier_config(config: InventoryConfig) -> engine.TierConfig:
    levels = config.tier_levels
    return engine.TierConfig(
        basis=config.tier_basis,
        svip_min_spend=Decimal(levels["svip_min_spend"]),
        a_min_spend=Decimal(levels["a_min_spend"]),
        b_min_spend=Decimal(levels["b_min_spend"]),
        a_above_points=int(levels["a_above_points"]),
        b_min_points=int(levels["b_min_points"]),
        # Inventories run before B had a share kept only A's (their B was empty).
        shares={
            "A": Decimal(levels["a_top_share"]),
            "B": Decimal(levels.get("b_next_share", "0")),
        },
    )


def _jsonable(value):
    return str(value) if isinstance(value, Decimal) else value


def _counts(graded: pl.DataFrame, column: str) -> dict[str, int]:
    counts = graded.group_by(column).len()
    return {row[0]: row[1] for row in counts.iter_rows()}


def _write_grades(inventory: Inventory, graded: pl.DataFrame) -> None:
    columns = [
        "inventory_id",
        "customer_id",
        "segment",
        "tier",
        "score",
        "band",
        "recency_days",
        "frequency",
        "monetary",
        "owner_id_then",
        "store_id_then",
    ]
    frame = graded.select(
        pl.lit(inventory.pk).alias("inventory_id"),
        "customer_id",
        "segment",
        pl.col("tier"),
        pl.col("score") if "score" in graded.columns else pl.lit(None, pl.Float64).alias("score"),
        pl.col("band") if "band" in graded.columns else pl.lit("").alias("band"),
        "recency_days",
        pl.col("frequency").fill_null(0),
        pl.col("monetary").fill_null(0),
        "owner_id",
        "store_id",
    )
    # In customer order: the grade table's customer index takes its new entries in one
    # pass over its pages instead of at random.
    frame = frame.sort("customer_id").rename(dict(zip(frame.columns, columns, strict=True)))
    insert_frame(Grade._meta.db_table, frame)


def _set_initial_tiers(inventory: Inventory, graded: pl.DataFrame, now) -> int:
    """Customers never tiered get their computed tier directly: nothing rises yet, and
    no tier-change row is written (the first tier is the customer's grade in the first
    published inventory; see `reads.tier_history`)."""
    if graded.filter(pl.col("current_tier").fill_null("") == "").is_empty():
        return 0
    customer_table = connection.ops.quote_name(Customer._meta.db_table)
    grade_table = connection.ops.quote_name(Grade._meta.db_table)
    with connection.cursor() as cursor:
        # UPDATE … FROM joins once instead of a subquery per customer (PostgreSQL, and
        # SQLite since 3.33). Tier columns are not indexed: on PostgreSQL the update is
        # HOT where the page has room (customers migration 0006).
        cursor.execute(
            f"UPDATE {customer_table} SET tier = g.tier, tier_changed_on = %s "
            f"FROM {grade_table} g WHERE g.inventory_id = %s "
            f"AND g.customer_id = {customer_table}.id "
            f"AND {customer_table}.organization_id = %s AND {customer_table}.tier = ''",
            [_date_param(inventory.as_of), inventory.pk, inventory.organization_id],
        )
        return cursor.rowcount


def _date_param(value: date) -> object:
    return connection.ops.adapt_datefield_value(value)


# What a tier move needs per customer, bulk-loaded into a temporary table and applied
# with set-based statements: no Python object per customer.
MOVES_TABLE = "revisit_tier_moves"
MOVES_COLUMNS = {
    "customer_id": "bigint",
    "store_id": "bigint",
    "from_tier": "varchar(4)",
    "to_tier": "varchar(4)",
    "basis_cents": "bigint",
}
# Columns of a tier change written by INSERT … SELECT from the moves table.
_CHANGE_COLUMNS = (
    "organization_id, customer_id, store_id, inventory_id, kind, from_tier, to_tier, "
    "status, rule, basis_value, effective_on, note, created_at"
)


def _moves(rows: pl.DataFrame, *, to_column: str, basis: str | None = None) -> pl.DataFrame:
    cents = (
        (pl.col(basis).cast(engine.MONEY) * 100).cast(pl.Int64)
        if basis in rows.columns
        else pl.lit(None, pl.Int64)
    )
    return rows.select(
        "customer_id",
        "store_id",
        pl.col("current_tier").alias("from_tier"),
        pl.col(to_column).alias("to_tier"),
        cents.alias("basis_cents"),
    )


def _insert_changes(cursor, moves: str, inventory: Inventory, *, kind, status, rule, now) -> int:
    """Tier-change rows for every customer in the moves table."""
    table = connection.ops.quote_name(TierChange._meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} ({_CHANGE_COLUMNS}) "
        f"SELECT %s, m.customer_id, m.store_id, %s, %s, m.from_tier, m.to_tier, %s, %s, "
        f"m.basis_cents / 100.0, %s, '', %s FROM {moves} m"
        + (
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} t "
            f"WHERE t.customer_id = m.customer_id AND t.status = 'proposed')"
            if status == TierChange.Status.PROPOSED
            else ""
        ),
        [
            inventory.organization_id,
            inventory.pk,
            kind,
            status,
            rule,
            _date_param(inventory.as_of),
            connection.ops.adapt_datetimefield_value(now),
        ],
    )
    return cursor.rowcount


def _rank(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(TIER_RANK, default=None, return_dtype=pl.Int8)


def _refresh_upgrade_proposals(
    inventory: Inventory, graded: pl.DataFrame, config: InventoryConfig, now
) -> int:
    """A customer whose computed tier is above the current one gets (or keeps) one open
    proposal; an open proposal is refreshed to the latest inventory's tier."""
    rising = graded.filter(
        (pl.col("current_tier").fill_null("") != "") & (_rank("tier") < _rank("current_tier"))
    )
    if rising.is_empty():
        return 0
    basis = "points" if config.tier_basis == "points" else "spend"
    table = connection.ops.quote_name(TierChange._meta.db_table)
    rows = _moves(rising, to_column="tier", basis=basis)
    with (
        temporary_table(MOVES_TABLE, MOVES_COLUMNS, rows) as moves,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE {table} SET to_tier = m.to_tier, from_tier = m.from_tier, "
            f"inventory_id = %s, effective_on = %s, basis_value = m.basis_cents / 100.0 "
            f"FROM {moves} m WHERE {table}.customer_id = m.customer_id "
            f"AND {table}.status = 'proposed' AND {table}.organization_id = %s "
            f"AND ({table}.to_tier <> m.to_tier OR {table}.from_tier <> m.from_tier)",
            [inventory.pk, _date_param(inventory.as_of), inventory.organization_id],
        )
        refreshed = cursor.rowcount
        new = _insert_changes(
            cursor,
            moves,
            inventory,
            kind=TierChange.Kind.UPGRADE,
            status=TierChange.Status.PROPOSED,
            rule="",
            now=now,
        )
    return refreshed + new


def downgrade_rule_text(days: int) -> str:
    return f"连续 {days} 天无消费降一级 (no purchase for {days} days: one tier down)"


def _apply_downgrades(
    inventory: Inventory, graded: pl.DataFrame, config: InventoryConfig, actor, now
) -> int:
    """One tier down for customers with no purchase (and no tier change) in the last
    `downgrade_after_days` days. Counting from the last tier change too means that a
    second inventory soon after does not drop the same customer again."""
    days = config.downgrade_after_days
    cutoff = inventory.as_of - timedelta(days=days)
    lowest = TIERS_TOP_DOWN[-1]
    candidates = graded.filter(
        (pl.col("current_tier").fill_null("") != "")
        & (pl.col("current_tier") != lowest)
        & (pl.col("last_purchase").is_null() | (pl.col("last_purchase") <= cutoff))
        & (pl.col("tier_changed_on").is_null() | (pl.col("tier_changed_on") <= cutoff))
    ).with_columns(
        (_rank("current_tier") + 1)
        .replace_strict(dict(enumerate(TIERS_TOP_DOWN)), return_dtype=pl.String)
        .alias("lower_tier")
    )
    if candidates.is_empty():
        return 0
    rule = downgrade_rule_text(days)
    customer_table = connection.ops.quote_name(Customer._meta.db_table)
    rows = _moves(candidates, to_column="lower_tier")
    with (
        temporary_table(MOVES_TABLE, MOVES_COLUMNS, rows) as moves,
        connection.cursor() as cursor,
    ):
        _insert_changes(
            cursor,
            moves,
            inventory,
            kind=TierChange.Kind.DOWNGRADE,
            status=TierChange.Status.APPLIED,
            rule=rule,
            now=now,
        )
        cursor.execute(
            f"UPDATE {customer_table} SET tier = m.to_tier, tier_changed_on = %s "
            f"FROM {moves} m WHERE {customer_table}.id = m.customer_id",
            [_date_param(inventory.as_of)],
        )
    record_event(
        inventory.organization,
        actor=actor,
        action="tier.downgrade",
        target=inventory,
        rule=rule,
        customers=candidates.height,
    )
    return candidates.height


def _may_decide(actor: Staff, change: TierChange) -> bool:
    if actor.organization_id != change.organization_id:
        return False
    for assignment in actor.role_assignments.all():
        if assignment.role == Role.ADMIN:
            return True
        if assignment.role == Role.STORE_MANAGER and assignment.store_id == change.store_id:
            return True
    return False


def _decide(change_id: int, *, actor: Staff, approve: bool, note: str, now) -> TierChange:
    with transaction.atomic():
        change = TierChange.objects.select_for_update().get(pk=change_id)
        if not _may_decide(actor, change):
            raise PermissionDenied(
                "只有该门店店长或管理员可以审批升级 (store manager or admin only)"
            )
        if change.status != TierChange.Status.PROPOSED:
            raise ValueError("该升级申请已处理 (this proposal has already been decided)")
        change.status = TierChange.Status.APPROVED if approve else TierChange.Status.REJECTED
        change.decided_by, change.decided_at, change.note = actor, now or timezone.now(), note
        change.save(update_fields=["status", "decided_by", "decided_at", "note"])
        if approve:
            Customer.objects.filter(pk=change.customer_id).update(
                tier=change.to_tier, tier_changed_on=timezone.localdate(change.decided_at)
            )
        record_event(
            change.organization,
            actor=actor,
            action="tier.upgrade.approve" if approve else "tier.upgrade.reject",
            target=change.customer,
            from_tier=change.from_tier,
            to_tier=change.to_tier,
            note=note,
        )
    return change


def approve_upgrade(change_id: int, *, actor: Staff, note: str = "", now=None) -> TierChange:
    """A store manager (of the customer's store) or an admin approves a tier rise."""
    return _decide(change_id, actor=actor, approve=True, note=note, now=now)


def reject_upgrade(change_id: int, *, actor: Staff, note: str = "", now=None) -> TierChange:
    """A store manager or an admin rejects a tier rise; the tier stays as it was."""
    return _decide(change_id, actor=actor, approve=False, note=note, now=now)


def decidable_upgrades(actor: Staff):
    """The open upgrade proposals `actor` may decide: every one of the organization for
    an admin, those of her stores for a store manager, none for anyone else."""
    proposals = TierChange.objects.filter(
        organization_id=actor.organization_id, status=TierChange.Status.PROPOSED
    )
    assignments = list(actor.role_assignments.all())
    if any(a.role == Role.ADMIN for a in assignments):
        return proposals
    stores = [a.store_id for a in assignments if a.role == Role.STORE_MANAGER and a.store_id]
    return proposals.filter(store_id__in=stores)


def decide_upgrades(
    actor: Staff,
    *,
    approve: bool,
    change_ids: list[int] | None = None,
    store_id: int | None = None,
    to_tier: str | None = None,
    note: str = "",
    now=None,
) -> int:
    """Approve or reject many upgrade proposals at once: those in `change_ids`, or every
    open one matching the filter (store, target tier), limited to what `actor` may decide.
    One transaction and one audit event with the count; returns the count."""
    now = now or timezone.now()
    proposals = decidable_upgrades(actor)
    if change_ids is not None:
        proposals = proposals.filter(pk__in=change_ids)
    if store_id is not None:
        proposals = proposals.filter(store_id=store_id)
    if to_tier:
        proposals = proposals.filter(to_tier=to_tier)
    with transaction.atomic():
        rows = list(
            proposals.select_for_update().values_list("pk", "customer_id", "to_tier").order_by("pk")
        )
        if not rows:
            return 0
        ids = [pk for pk, _customer, _tier in rows]
        status = TierChange.Status.APPROVED if approve else TierChange.Status.REJECTED
        for start in range(0, len(ids), 5000):
            TierChange.objects.filter(pk__in=ids[start : start + 5000]).update(
                status=status, decided_by=actor, decided_at=now, note=note[:200]
            )
        if approve:
            by_tier: dict[str, list[int]] = {}
            for _pk, customer_id, tier in rows:
                by_tier.setdefault(tier, []).append(customer_id)
            for tier, customers in by_tier.items():
                for start in range(0, len(customers), 5000):
                    Customer.objects.filter(pk__in=customers[start : start + 5000]).update(
                        tier=tier, tier_changed_on=timezone.localdate(now)
                    )
        record_event(
            actor.organization,
            actor=actor,
            action="tier.upgrade.approve_many" if approve else "tier.upgrade.reject_many",
            count=len(rows),
            selected=change_ids is not None,
            store_id=store_id,
            to_tier=to_tier or "",
            note=note[:200],
        )
    return len(rows)
