"""Look inside an xlsx before the fast reader (calamine) does, so that a small hostile
file cannot make it allocate without bound: every part is inflated within a byte budget
(a zip can expand ~1000×, and its declared sizes can lie), and the first sheet's cells
are scanned for the area they really span. The declared <dimension> is never trusted:
calamine allocates rows × columns of the span of the cells it meets, so two cells in
opposite corners of a sheet cost it 512 GB."""

import io
import posixpath
import re
import struct
import zipfile
import zlib

from django.utils.translation import gettext as _

from revisit.imports.errors import FileRefused
from revisit.imports.limits import Limits, megabytes

MAX_PARTS = 10_000
_CHUNK = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^>]*)>")
_SHEET_RID = re.compile(rb"\s[\w.-]+:id\s*=\s*[\"']([^\"']*)[\"']")
_RELATION = re.compile(rb"<(?:[\w.-]+:)?Relationship\s([^>]*)>")
_ATTR = re.compile(rb"([\w.:-]+)\s*=\s*[\"']([^\"']*)[\"']")
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)")
_REF = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([^\"']*)[\"']")
# A position as Excel writes it: at most XFD1048576. Anything else is refused, not guessed.
_POSITION = re.compile(rb"([A-Za-z]{0,3})([0-9]{1,7})")
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row r="([0-9]{1,7})"')


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Raise FileRefused unless the workbook is a sound zip within the limits."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(_("The file is not a valid Excel (.xlsx) file.")) from None
    if len(parts) > MAX_PARTS:
        raise FileRefused(_("The file is not a valid Excel (.xlsx) file."))
    budget = _Budget(limits.xlsx_xml_bytes)
    if sum(p.file_size for p in parts) > budget.left:
        budget.refuse()
    by_name = {p.filename: p for p in parts}
    sheets = _first_sheet(data, by_name, budget)
    extent = SheetExtent()
    for part in parts:
        if part.filename in sheets:
            for piece in _inflate(data, part, budget):
                extent.feed(piece)
                extent.check(limits)  # as soon as the span is too large
        elif part.filename == "xl/sharedStrings.xml":
            # calamine holds every text of the book; a sheet cannot use more than its cells.
            texts = 0
            for piece in _inflate(data, part, budget):
                texts += piece.count(b"<si>") + piece.count(b"<si ")
                if texts > limits.cells:
                    raise FileRefused(
                        _("The Excel file holds more than %(limit)s texts; split it.")
                        % {"limit": f"{limits.cells:,}"}
                    )
        elif part.filename not in _WORKBOOK_PARTS:  # those were read by _first_sheet
            for _piece in _inflate(data, part, budget):
                pass
    extent.check(limits)


class _Budget:
    def __init__(self, limit: int):
        self.limit = self.left = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            self.refuse()

    def refuse(self):
        raise FileRefused(
            _("The Excel file expands to more than %(limit)s MB; split it into smaller files.")
            % {"limit": megabytes(self.limit)}
        )


def _damaged() -> FileRefused:
    return FileRefused(_("The Excel file is damaged; open it in Excel and save it again."))


def _inflate(data: bytes, part: zipfile.ZipInfo, budget: _Budget):
    """The part's bytes, piece by piece, inflated from its raw stream (not trusting the
    declared size: a reader that follows the stream would get the same bytes)."""
    offset = part.header_offset
    try:
        header = _LOCAL_HEADER.unpack_from(data, offset)
    except struct.error:
        raise _damaged() from None
    if header[0] != b"PK\x03\x04":
        raise _damaged()
    start = offset + _LOCAL_HEADER.size + header[9] + header[10]
    raw = memoryview(data)[start : start + part.compress_size]
    if len(raw) != part.compress_size:
        raise _damaged()
    produced = 0
    if part.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(raw), _CHUNK):
            piece = bytes(raw[pos : pos + _CHUNK])
            budget.spend(len(piece))
            yield piece
        produced = len(raw)
    elif part.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pos = 0
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    piece = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                elif pos < len(raw):
                    piece = inflater.decompress(raw[pos : pos + _CHUNK], _CHUNK)
                    pos += _CHUNK
                else:
                    break
                produced += len(piece)
                if produced > part.file_size:  # a stream longer than stated: a bomb
                    raise _damaged()
                budget.spend(len(piece))
                yield piece
        except zlib.error:
            raise _damaged() from None
        if not inflater.eof:
            raise _damaged()
    else:
        raise _damaged()
    if produced != part.file_size:
        raise _damaged()


_WORKBOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _first_sheet(data: bytes, by_name: dict, budget: _Budget) -> set[str]:
    """The part calamine reads by default (the first sheet in workbook order); every
    worksheet part when the workbook does not say clearly."""
    texts = {}
    for name in _WORKBOOK_PARTS:
        if name in by_name:
            texts[name] = b"".join(_inflate(data, by_name[name], budget))
    everything = {n for n in by_name if n.startswith("xl/worksheets/")}
    sheet = _SHEET.search(texts.get(_WORKBOOK_PARTS[0], b""))
    rid = _SHEET_RID.search(b" " + sheet.group(1)) if sheet else None
    if rid is None:
        return everything
    for relation in _RELATION.finditer(texts.get(_WORKBOOK_PARTS[1], b"")):
        attrs = dict(_ATTR.findall(relation.group(1)))
        if attrs.get(b"Id") == rid.group(1) and b"Target" in attrs:
            target = attrs[b"Target"].decode("utf-8", "replace")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            path = posixpath.normpath(path)
            return {path} if path in by_name else everything
    return everything


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class SheetExtent:
    """The rows and columns a sheet's cells span, from the positions written on them, or
    counted as a reader counts them when a row or cell does not say."""

    def __init__(self):
        self.rows = self.columns = 0
        self._row = self._column = 0
        self._tail = b""

    def feed(self, piece: bytes) -> None:
        text = self._tail + piece
        cut = text.rfind(b"<")
        if cut != -1 and text.find(b">", cut) == -1:
            text, self._tail = text[:cut], text[cut:]
            if len(self._tail) > _CHUNK:  # no spreadsheet writes a tag this long
                raise _damaged()
        else:
            self._tail = b""
        if not self._fast(text):
            self._exact(text)

    def _fast(self, text: bytes) -> bool:
        """The usual case, at C speed: every cell starts with its position, unprefixed
        (as Excel, WPS, openpyxl and xlsxwriter write them). Any other `<c` (a cell
        without r, a <color>) sends the piece to the exact count instead."""
        if b":c" in text:
            return False
        letters = _CELL_COLUMN.findall(text)
        if len(letters) != text.count(b"<c"):
            return False
        numbers = _CELL_ROW.findall(text)
        if len(numbers) != len(letters):
            return False
        if letters:
            self.columns = max(self.columns, *map(_column_number, set(letters)))
            self.rows = max(self.rows, *map(int, set(numbers)))
            self._column, self._row = _column_number(letters[-1]), int(numbers[-1])
        last_row = _ROW_REF.match(text, max(text.rfind(b"<row "), 0))
        if last_row and text.rfind(b"<c") < last_row.start():  # a row opened, no cell yet
            self._row, self._column = int(last_row.group(1)), 0
        return True

    def _exact(self, text: bytes) -> None:
        for tag in _TAG.finditer(text):
            ref = _REF.search(tag.group(2))
            if ref:
                ref = _POSITION.fullmatch(ref.group(1))
                if ref is None:
                    raise _damaged()
            if tag.group(1) == b"row":
                self._row = int(ref.group(2)) if ref else self._row + 1
                self._column = 0
                continue
            if ref:
                self._column = _column_number(ref.group(1)) if ref.group(1) else self._column + 1
                self._row = int(ref.group(2))
            else:
                self._column += 1
            self.rows = max(self.rows, self._row)
            self.columns = max(self.columns, self._column)

    def check(self, limits: Limits) -> None:
        if self.rows - 1 > limits.rows:
            raise FileRefused(rows_refusal(limits))
        if self.columns > limits.columns:
            raise FileRefused(columns_refusal(limits))
        if self.rows * self.columns > limits.cells:
            raise FileRefused(
                _(
                    "The sheet's cells span %(rows)s rows by %(columns)s columns, more than "
                    "%(limit)s cells; delete the stray cells far from the table."
                )
                % {
                    "rows": f"{self.rows:,}",
                    "columns": f"{self.columns:,}",
                    "limit": f"{limits.cells:,}",
                }
            )


def rows_refusal(limits: Limits) -> str:
    return _("The file has more than %(limit)s data rows; split it into smaller files.") % {
        "limit": f"{limits.rows:,}"
    }


def columns_refusal(limits: Limits) -> str:
    return _("The file has more than %(limit)s columns; delete the columns not needed.") % {
        "limit": f"{limits.columns:,}"
    }
