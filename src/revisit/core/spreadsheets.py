"""Writing tables for people to open in Excel: formula-safe cells, CSV or xlsx."""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import xlsxwriter

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe.

    Numbers stay numbers (a negative amount is not a formula); only text is escaped.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_xlsx(target, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write an .xlsx workbook to `target` (a path or a binary file object); return the
    row count. Text never becomes a formula."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [safe_cell(h) for h in header])
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(
            count, 0, [float(v) if isinstance(v, Decimal) else safe_cell(v) for v in row]
        )
    book.close()
    return count


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write `rows` under `header` to a .csv (UTF-8 with BOM) or .xlsx file; return the
    row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(str(path), header, rows)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow(["" if v is None else safe_cell(v) for v in row])
            count += 1
    return count
