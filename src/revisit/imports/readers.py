"""Reading CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and xlsx into frames of text."""

import io
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes

MAX_FILE_BYTES = 512 * 1024 * 1024


class ImportFileError(Exception):
    """A file that cannot be imported at all; the message is for the user."""


def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise ImportFileError("文件不是文本表格（CSV）文件 (the file is not a CSV text file)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise ImportFileError("无法识别文件编码，请另存为 UTF-8 CSV (unknown text encoding)")
    return data.decode(best.encoding, errors="replace")


def read_table(source, name: str | None = None) -> pl.DataFrame:
    """Read a .csv or .xlsx file (a path or a file-like object) into a DataFrame whose
    columns are all text, headers as written. Raises ImportFileError for files that are
    empty, not a spreadsheet, or unreadable."""
    if hasattr(source, "read"):
        data = source.read()
        name = name or getattr(source, "name", "") or ""
    else:
        path = Path(source)
        name = name or path.name
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ImportFileError("文件超过 512 MB，请拆分后导入 (file larger than 512 MB)")
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImportFileError(f"找不到文件 {path} (file not found)") from None
    if not data.strip():
        raise ImportFileError("文件是空的 (the file is empty)")
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        frame = _read_xlsx(data)
    elif suffix in {".csv", ".txt"}:
        frame = _read_csv(data)
    else:
        raise ImportFileError(
            f"只支持 .csv 和 .xlsx 文件，收到 {suffix or '无扩展名'} (csv or xlsx only)"
        )
    if not frame.columns or all(not str(c).strip() for c in frame.columns):
        raise ImportFileError("文件没有表头行 (the file has no header row)")
    if frame.height == 0:
        raise ImportFileError("文件只有表头，没有数据行 (the file has a header but no rows)")
    return frame


def _read_csv(data: bytes) -> pl.DataFrame:
    text = _decode(data)
    try:
        return pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise ImportFileError(f"CSV 文件格式有误 (malformed CSV): {str(exc)[:200]}") from None


def _read_xlsx(data: bytes) -> pl.DataFrame:
    if not data.startswith(b"PK"):
        raise ImportFileError("文件不是有效的 Excel (.xlsx) 文件 (not a valid xlsx file)")
    try:
        return pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0)
    except Exception as exc:  # the reader raises its own error types for broken workbooks
        raise ImportFileError(
            f"无法读取 Excel 文件，请检查文件是否损坏 (unreadable xlsx): {str(exc)[:200]}"
        ) from None
