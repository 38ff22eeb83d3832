"""Import services: customers and order lines from the spreadsheets other systems export.

A file is read and every row checked before anything is written; good rows go in
together in one short transaction at the end (order lines wait in staging tables until
then: `revisit.imports.staging`), rejected rows are listed with their row number, column
and reason, and importing the same file again changes nothing.
"""

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.audit import record_event
from revisit.core.models import Organization, Staff, Store
from revisit.imports.balance_rows import plan_balances
from revisit.imports.columns import FIELDS, detect_columns, missing_required, parse_mapping
from revisit.imports.customer_rows import plan_customers
from revisit.imports.models import ImportRun
from revisit.imports.order_rows import plan_orders
from revisit.imports.readers import ImportFileError, read_table
from revisit.imports.report import ImportReport
from revisit.imports.scope import ImportScope
from revisit.imports.signals import orders_imported
from revisit.sales.models import OrderLine

__all__ = [
    "ImportFileError",
    "ImportReport",
    "import_balances",
    "import_customers",
    "import_file",
    "import_orders",
    "preview",
    "register_kind",
]

PLANNERS = {"customers": plan_customers, "orders": plan_orders, "balances": plan_balances}


def register_kind(kind: str, *, fields, planner) -> None:
    """Let an app above this one import its own kind of file (the referral channel's
    history) through the same reading, checking, reporting and recording: `fields` are
    its columns (FieldSpec), `planner(scope, frame, report, store=)` checks the rows and
    returns a plan with stage(), apply() and cleanup(). The kind must be one of
    ImportRun.Kind."""
    if kind not in ImportRun.Kind.values:
        raise ValueError(f"unknown import kind {kind!r}")
    FIELDS[kind] = tuple(fields)
    PLANNERS[kind] = planner


# Told how an import is going: ("reading", 0) before the file is read, then
# ("importing", rows) once it is read and the rows are checked and written.
Progress = Callable[[str, int], None]

log = logging.getLogger(__name__)


def _load(source, kind: str, mapping, name: str | None):
    """Read the file and name its columns by field; refuse a file missing a required one."""
    if isinstance(mapping, list | tuple):
        try:
            mapping = parse_mapping(list(mapping), kind)
        except ValueError as exc:
            raise ImportFileError(str(exc)) from None
    table = read_table(source, name)
    frame = table.frame
    headers = [str(h) for h in frame.columns]
    columns, unmapped = detect_columns(headers, kind, mapping)
    missing = missing_required(columns, kind)
    if missing:
        labels = "、".join(f.label for f in missing)
        names = ", ".join(f.name for f in missing)
        raise ImportFileError(
            f"缺少必需的列：{labels}。文件中的列：{'、'.join(headers)} "
            f"(missing required columns: {names}; use --map to name them)"
        )
    frame = frame.select([pl.col(h).cast(pl.String).alias(f) for h, f in columns.items()])
    frame = frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    # Rows the reader rejected (another encoding, an overlong cell) are not checked again.
    frame = frame.filter(~pl.col("row").is_in(table.rejected_rows))
    return frame, columns, unmapped, table


def preview(
    source,
    kind: str,
    mapping=None,
    *,
    name: str | None = None,
    rows: int = 10,
    organization: Organization | None = None,
    actor: Staff | None = None,
    store: Store | None = None,
) -> dict:
    """The detected column mapping, the unmapped columns and the first rows (as text).

    Given the `organization` (and the `actor` and `store` the import would run with), every
    row is also checked as the import would check it, writing nothing: `rejections` and
    `warnings` list (row, column, reason), and `problems` maps a row number to its reasons.
    """
    frame, columns, unmapped, table = _load(source, kind, mapping, name)
    shown = {
        "columns": columns,
        "unmapped": unmapped,
        "rows": frame.head(rows).to_dicts(),
        "total": frame.height,
    }
    if organization is not None:
        scope = ImportScope.of(organization, actor)
        store = _import_store(scope, store)
        report = ImportReport(
            kind=kind,
            file_name=name or "",
            dry_run=True,
            read=frame.height + len(table.rejected_rows),
            rejections=list(table.rejections),
            warnings=list(table.warnings),
        )
        PLANNERS[kind](scope, frame, report, store=store)
        problems: dict[int, list[str]] = {}
        for rejection in report.rejections:
            problems.setdefault(rejection.row, []).append(rejection.reason)
        shown |= {
            "rejections": report.rejections,
            "warnings": report.warnings,
            "problems": problems,
            "rejected": report.rejected,
        }
    return shown


def _import_store(scope: ImportScope, store: Store | None) -> Store | None:
    """The store an import writes into: the one asked for if the scope allows it; for a
    store manager who did not choose, her store when she manages exactly one."""
    if store is not None:
        if not scope.allows_store(store):
            raise ImportFileError(_("You may not import into this store."))
        return store
    if scope.whole_organization:
        return None
    if not scope.store_ids:
        raise ImportFileError(_("You may not import into this store."))
    if len(scope.store_ids) == 1:
        return Store.objects.get(pk=next(iter(scope.store_ids)))
    raise ImportFileError(_("Choose the store to import into."))


def _sha256(source) -> str:
    if hasattr(source, "read"):
        position = source.tell()
        digest = hashlib.file_digest(source, "sha256").hexdigest()
        source.seek(position)
        return digest
    path = Path(source)
    if not path.is_file():
        return ""
    with path.open("rb") as fh:  # in pieces: the file may be over the size limit
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _run(
    kind: str,
    organization: Organization,
    source,
    *,
    actor: Staff | None,
    store: Store | None,
    mapping,
    dry_run: bool,
    name: str | None,
    progress: Progress | None = None,
) -> ImportReport:
    progress = progress or (lambda phase, rows: None)
    file_name = name or getattr(source, "name", None) or Path(str(source)).name
    started = timezone.now()
    scope = ImportScope.of(organization, actor)
    store = _import_store(scope, store)
    run = ImportRun(
        organization=organization,
        kind=kind,
        file_name=Path(file_name).name[:255],
        file_sha256=_sha256(source),
        actor=actor,
        store=store,
        started_at=started,
    )
    progress("reading", 0)
    try:
        frame, columns, unmapped, table = _load(source, kind, mapping, name)
    except ImportFileError as exc:
        run.status, run.message, run.finished_at = ImportRun.Status.FAILED, str(exc), timezone.now()
        run.save()
        raise
    report = ImportReport(
        kind=kind,
        file_name=run.file_name,
        dry_run=dry_run,
        read=frame.height + len(table.rejected_rows),
        columns=columns,
        unmapped=unmapped,
        rejections=list(table.rejections),
        warnings=list(table.warnings),
    )
    # Said before the transaction: inside it, a waiting page would not see it.
    progress("importing", report.read)
    # Checking and staging read and write no real table: only the apply below holds
    # a write transaction (revisit.imports.staging says why).
    plan = PLANNERS[kind](scope, frame, report, store=store)
    folder = Path(settings.IMPORT_REPORT_DIR) / organization.code
    report.write_files(folder, f"{started:%Y%m%d-%H%M%S}-{kind}-{run.file_sha256[:8]}")
    try:
        if not dry_run:
            plan.stage()
        with transaction.atomic():
            if not dry_run:
                after_line_id = _last_line_id()
                plan.apply()
            _finish(run, report, dry_run, refused=getattr(plan, "refused", False))
            if not dry_run:
                record_event(
                    organization,
                    actor=actor,
                    action=f"import.{kind}",
                    target=run,
                    file=run.file_name,
                    read=report.read,
                    imported=report.imported,
                    updated=report.updated,
                    rejected=report.rejected,
                    duplicates=report.duplicates,
                )
    except BaseException:
        report.delete_files()  # no run names them
        raise
    finally:
        plan.cleanup()
    if kind == "orders" and not dry_run:
        # The import stands whatever a listener does (points, referral rewards); a failing
        # one is logged, and the nightly sweeps catch up.
        for receiver, result in orders_imported.send_robust(
            sender=ImportRun,
            organization=organization,
            actor=actor,
            after_line_id=after_line_id,
            import_run=run,
        ):
            if isinstance(result, Exception):
                log.error("after-import step %r failed", receiver, exc_info=result)
    return report


def _last_line_id() -> int:
    last = OrderLine.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _finish(run: ImportRun, report: ImportReport, dry_run: bool, *, refused: bool = False) -> None:
    run.status = ImportRun.Status.DRY_RUN if dry_run else ImportRun.Status.DONE
    run.message = report.summary()
    if refused:
        # All or nothing (a balance file): one rejected row and nothing was written.
        report.refused = True
        if not dry_run:
            run.status = ImportRun.Status.FAILED
        run.message = (
            _("Nothing was imported: mend the rejected rows and import the whole file again.")
            + "\n"
            + run.message
        )
    for count in (
        "read",
        "imported",
        "updated",
        "rejected",
        "duplicates",
        "created_customers",
        "created_items",
    ):
        setattr(run, count, getattr(report, count))
    run.report_path, run.rejects_path = report.report_path, report.rejects_path
    run.finished_at = timezone.now()
    run.save()
    report.run_id = run.pk


def import_file(kind: str, organization: Organization, source, **options) -> ImportReport:
    """Import a file of any registered kind (see `register_kind`); the options are those
    of `import_customers`."""
    if kind not in PLANNERS:
        raise ImportFileError(_("Unknown kind of file."))
    return _run(
        kind,
        organization,
        source,
        actor=options.get("actor"),
        store=options.get("store"),
        mapping=options.get("mapping"),
        dry_run=options.get("dry_run", False),
        name=options.get("name"),
        progress=options.get("progress"),
    )


def import_customers(
    organization: Organization,
    source,
    *,
    actor: Staff | None = None,
    store: Store | None = None,
    mapping=None,
    dry_run: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import customers from a .csv or .xlsx file (path or file object).

    New customer codes are created; known codes are updated with the non-empty values the
    file gives (never the channel once set); unchanged rows count as duplicates. `store`
    sets every row's home store. An `actor` who is not an admin writes only inside her
    stores (`revisit.imports.scope`); without a `store`, a store manager of one store
    imports into it.
    `mapping` maps source columns to fields ({"源列": "field"} or ["源列=field"]).
    `progress(phase, rows)`, if given, is told how the import is going (a background job).
    Raises ImportFileError (message for the user) when the file cannot be used at all.
    """
    return _run(
        "customers",
        organization,
        source,
        actor=actor,
        store=store,
        mapping=mapping,
        dry_run=dry_run,
        name=name,
        progress=progress,
    )


def import_orders(
    organization: Organization,
    source,
    *,
    actor: Staff | None = None,
    store: Store | None = None,
    mapping=None,
    dry_run: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import order lines from a .csv or .xlsx file (path or file object).

    Unknown customer codes are created (counted in the report) with `store` as their home
    store; unknown items are added to the catalog. An `actor` who is not an admin imports
    only orders of customers inside her stores. Re-importing the same file changes nothing. Raises ImportFileError when
    the file cannot be used at all.
    """
    return _run(
        "orders",
        organization,
        source,
        actor=actor,
        store=store,
        mapping=mapping,
        dry_run=dry_run,
        name=name,
        progress=progress,
    )


def import_balances(
    organization: Organization,
    source,
    *,
    actor: Staff | None = None,
    store: Store | None = None,
    mapping=None,
    dry_run: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import opening balances (points, stored value, credit, course cards, gift and
    family cards) from a .csv or .xlsx file: one opening entry per row on the customer's
    account, all rows or none (`revisit.imports.balance_rows`). `store`, if given, is
    where the accounts were opened (else each customer's home store). Re-importing the
    same balances posts nothing. Raises ImportFileError when the file cannot be used."""
    return _run(
        "balances",
        organization,
        source,
        actor=actor,
        store=store,
        mapping=mapping,
        dry_run=dry_run,
        name=name,
        progress=progress,
    )
