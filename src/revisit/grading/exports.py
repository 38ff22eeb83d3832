"""Inventory exports: one row per customer, audited."""

from pathlib import Path

from revisit.core.audit import record_event
from revisit.core.spreadsheets import write_table
from revisit.grading.models import Inventory

EXPORT_COLUMNS = [
    ("customer_code", "customer__code"),
    ("name", "customer__name"),
    ("recency_days", "recency_days"),
    ("frequency", "frequency"),
    ("monetary", "monetary"),
    ("segment", "segment"),
    ("tier", "tier"),
    ("score", "score"),
    ("band", "band"),
    ("owner", "customer__owner__display_name"),
    ("store", "customer__home_store__code"),
]


def write_inventory_export(inventory: Inventory, path: Path, *, actor) -> int:
    """Write the inventory's grades to `path` (.csv or .xlsx); records an audit event with
    the row count. Phone numbers are not part of this export."""
    header = [name for name, _ in EXPORT_COLUMNS]
    rows = (
        inventory.grades.order_by("customer__code")
        .values_list(*[field for _, field in EXPORT_COLUMNS])
        .iterator(chunk_size=10_000)
    )
    count = write_table(path, header, rows)
    record_event(
        inventory.organization,
        actor=actor,
        action="inventory.export",
        target=inventory,
        rows=count,
        file=Path(path).name,
    )
    return count
