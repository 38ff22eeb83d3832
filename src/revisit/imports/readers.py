"""Reading CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and xlsx into frames of text, within
the limits of revisit.imports.limits. A file beyond a limit, or broken, is refused
(FileRefused) before it is read in full; what is wrong in single rows is noted on the row:
control characters (NUL, ESC...) are removed with a warning, a row in another text
encoding than the rest of the file, or with an overlong cell, is rejected."""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from revisit.imports.errors import FileRefused, ImportFileError
from revisit.imports.limits import Limits, too_large
from revisit.imports.report import Rejection
from revisit.imports.xlsx_guard import check_xlsx, columns_refusal, rows_refusal

__all__ = ["FileRefused", "ImportFileError", "Table", "read_table"]

# C0 controls but tab and line breaks, and DEL: PostgreSQL refuses NUL in text, and none
# of them belongs in a name, a phone or a note.
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
# Put at the start of a line decoded from the file's minority encoding, to find its row
# once the CSV is parsed (a quoted field may span lines). A private-use character.
MARK = "\ue000"


@dataclass
class Table:
    """The file's rows as text (headers as written; frame row i is the spreadsheet's row
    i + 2) and what is wrong in single rows, by spreadsheet row."""

    frame: pl.DataFrame
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({r.row for r in self.rejections})


def read_table(source, name: str | None = None) -> Table:
    """Read a .csv or .xlsx file (a path or a file-like object). Raises FileRefused for
    files that are empty, not a spreadsheet, unreadable or beyond a limit."""
    limits = Limits.current()
    data, name = _read_bytes(source, name, limits)
    if not data or data.isspace():
        raise FileRefused(_("The file is empty."))
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        frame = _read_xlsx(data, limits)
    elif suffix in {".csv", ".txt"}:
        frame = _read_csv(data, limits)
    else:
        raise FileRefused(
            _("Only .csv and .xlsx files can be imported, not %(suffix)s.")
            % {"suffix": suffix or _("a file without extension")}
        )
    del data
    if not frame.columns or all(not str(c).strip() for c in frame.columns):
        raise FileRefused(_("The file has no header row."))
    if frame.height == 0:
        raise FileRefused(_("The file has a header but no rows."))
    if frame.height > limits.rows:
        raise FileRefused(rows_refusal(limits))
    if frame.width > limits.columns:
        raise FileRefused(columns_refusal(limits))
    return _check_rows(frame, limits)


def _read_bytes(source, name: str | None, limits: Limits) -> tuple[bytes, str]:
    """The file's bytes, refusing a file over the size limit before reading it."""
    too_big = FileRefused(too_large(limits.file_bytes))
    if hasattr(source, "read"):
        name = name or getattr(source, "name", "") or ""
        if (getattr(source, "size", None) or 0) > limits.file_bytes:
            raise too_big
        data = source.read(limits.file_bytes + 1)
    else:
        path = Path(source)
        name = name or path.name
        try:
            if path.stat().st_size > limits.file_bytes:
                raise too_big
            data = path.read_bytes()
        except FileNotFoundError:
            raise FileRefused(_("File not found: %(path)s") % {"path": path}) from None
    if len(data) > limits.file_bytes:
        raise too_big
    return data, name


def _read_csv(data: bytes, limits: Limits) -> pl.DataFrame:
    sample = data[:65536]
    if sample.count(b"\x00") > len(sample) // 100:  # a few NULs are stripped, many are binary
        raise FileRefused(_("The file is not a CSV text file."))
    data = _as_utf8(data)
    end = data.find(b"\n")
    first_line = data[: end if end != -1 else len(data)].decode("utf-8", errors="replace")
    # Counting commas is enough unless quoted commas push it over; then count exactly.
    if first_line.count(",") >= limits.columns:
        try:
            width = len(next(csv.reader([first_line])))
        except csv.Error:
            width = first_line.count(",") + 1
        if width > limits.columns:
            raise FileRefused(columns_refusal(limits))
    try:
        return pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            truncate_ragged_lines=True,
            n_rows=limits.rows + 1,
        )
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise FileRefused(_("Malformed CSV: %(error)s") % {"error": str(exc)[:200]}) from None


def _as_utf8(data: bytes) -> bytes:
    """The file in UTF-8: as it is when it is UTF-8 already (checked in pieces, so a large
    file is not held twice), else decoded and encoded again."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1024 * 1024):
            decoder.decode(view[start : start + 1024 * 1024])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _decode(data).encode("utf-8")
    return data


def _decode(data: bytes) -> str:
    """Text that is not all UTF-8: GBK/GB18030, rows of both, or a guessed encoding."""
    lines = data.split(b"\n")
    chinese = {i for i, line in enumerate(lines) if not line.isascii() and _chinese_utf8(line)}
    if chinese:
        return _decode_mixed(lines, chinese)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise FileRefused(_("Unknown text encoding; save the file as UTF-8 CSV."))
    return data.decode(best.encoding, errors="replace")


# Chinese text in UTF-8: CJK ideographs and punctuation, full-width forms, the middle dot
# of transcribed names. GBK bytes that happen to be valid UTF-8 decode to other scripts
# (Latin, Greek, Cyrillic...), so a GBK row is not taken for a UTF-8 one.
_CHINESE_TEXT = re.compile(
    "[\x00-\x7f\u00b7\u2010-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufeff\uff00-\uffef]*"
)


def _utf8(line: bytes) -> str | None:
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _chinese_utf8(line: bytes) -> bool:
    text = _utf8(line)
    return text is not None and _CHINESE_TEXT.fullmatch(text) is not None


def _decode_mixed(lines: list[bytes], chinese: set[int]) -> str:
    """Rows in UTF-8 and rows in GBK: each decoded in its own encoding, and those in the
    minority one marked, to be rejected (nobody meant a file like this; guessing which
    rows are right would import mojibake)."""
    texts = [_utf8(line) for line in lines]
    main_is_utf8 = len(chinese) >= sum(1 for text in texts if text is None)
    decoded = []
    for i, (line, text) in enumerate(zip(lines, texts, strict=True)):
        is_utf8 = text is not None and (main_is_utf8 or i in chinese)
        if not is_utf8:
            text = line.decode("gb18030", errors="replace")
        if i > 0 and not line.isascii() and is_utf8 != main_is_utf8:
            text = f'"{MARK}{text[1:]}' if text.startswith('"') else MARK + text
        decoded.append(text)
    return "\n".join(decoded)


def _read_xlsx(data: bytes, limits: Limits) -> pl.DataFrame:
    if not data.startswith(b"PK"):
        raise FileRefused(_("The file is not a valid Excel (.xlsx) file."))
    check_xlsx(data, limits)
    try:
        return pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0)
    except Exception as exc:  # the reader raises its own error types for broken workbooks
        raise FileRefused(
            _("Unreadable Excel file; check whether it is damaged: %(error)s")
            % {"error": str(exc)[:200]}
        ) from None


def _check_rows(frame: pl.DataFrame, limits: Limits) -> Table:
    """Reject rows in another encoding or with an overlong cell; strip control characters
    from the rest, with a warning per cell. One vectorized pass finds whether anything is
    wrong at all, so a clean file costs little."""
    frame = frame.select(pl.all().cast(pl.String))
    table = Table(frame)
    too_long = _("A cell is longer than %(limit)s characters.") % {
        "limit": f"{limits.cell_chars:,}"
    }
    checks = [
        (check, column)
        for column in frame.columns
        for check in (
            (pl.col(column).str.contains(MARK, literal=True), _other_encoding()),
            (pl.col(column).str.len_chars() > limits.cell_chars, too_long),
            (pl.col(column).str.contains(CONTROL), None),  # None: strip and warn
        )
    ]
    found = frame.select(
        check[0].fill_null(False).any().alias(str(i)) for i, (check, _column) in enumerate(checks)
    ).row(0)
    rejected: set[int] = set()
    dirty: list[str] = []
    stripped = _("Control characters were removed from this cell.")
    for ((failing, reason), column), hit in sorted(
        zip(checks, found, strict=True), key=lambda c: c[0][0][1] is None
    ):
        if not hit:
            continue
        dirty.append(column)
        for index, value in _hits(frame, failing, column):
            row = index + 2
            if row in rejected:
                continue
            if reason is None:
                clean = _strip(pl.Series([value]))[0]
                table.warnings.append(Rejection(row, column, stripped, clean[:100]))
            else:
                rejected.add(row)
                value = (value or "").replace(MARK, "")[:100]
                table.rejections.append(Rejection(row, column, reason, value))
    if dirty:
        frame = frame.with_columns(_strip(pl.col(c)) for c in set(dirty))
    table.frame = frame.rename(_clean_headers(frame.columns))
    return table


def _strip(column):
    return column.str.replace_all(CONTROL, "").str.replace_all(MARK, "", literal=True)


def _other_encoding() -> str:
    return _(
        "This row is in a different text encoding (UTF-8 or GBK) from the rest of the file; "
        "save the file again in one encoding and import this row again."
    )


def _hits(frame: pl.DataFrame, failing: pl.Expr, column: str) -> list[tuple[int, str]]:
    found = frame.with_row_index("_index").filter(failing.fill_null(False))
    return list(found.select("_index", column).iter_rows())


def _clean_headers(headers: list[str]) -> dict[str, str]:
    cleaned = {h: _strip(pl.Series([h]))[0] for h in headers}
    if len(set(cleaned.values())) != len(headers):
        return {}
    return cleaned
