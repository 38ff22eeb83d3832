"""Hostile files, generated small and fast: each should end in a clear refusal (or a
warning on the row) and never in a crash, a huge allocation or a half-written import."""

import struct
import zlib
from pathlib import Path

HEADER = ["客户编号", "姓名", "手机"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(number: int, values: list[str], first_column: str = "A") -> str:
    start = ord(first_column) - ord("A")
    cells = "".join(cell(f"{chr(65 + start + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(body: str, dimension: str = "A1:C2") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


class _Part:
    """A zip part deflated piece by piece: its raw stream, CRC and inflated size."""

    def __init__(self, name: str):
        self.name, self.crc, self.size = name.encode(), 0, 0
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.raw: list[bytes] = []

    def add(self, data: bytes, times: int = 1) -> "_Part":
        """`data` `times` over; repeats cost one deflate: a full flush makes the stream
        of each repeat the same bytes, so they are copied instead of compressed again."""
        first = self._deflate.compress(data) + self._deflate.flush(zlib.Z_FULL_FLUSH)
        self.raw.append(first)
        if times > 1:
            again = self._deflate.compress(data) + self._deflate.flush(zlib.Z_FULL_FLUSH)
            self.raw.append(again * (times - 1))
        for _ in range(times):
            self.crc = zlib.crc32(data, self.crc)
        self.size += len(data) * times
        return self

    def close(self) -> bytes:
        self.raw.append(self._deflate.flush())
        return b"".join(self.raw)


def _write_zip(path: Path, parts: list[_Part], declared: dict[bytes, int] | None = None) -> Path:
    """A plain zip (deflate, no zip64); `declared` overrides a part's stated size."""
    body, directory = bytearray(), bytearray()
    for part in parts:
        raw = part.close()
        size = (declared or {}).get(part.name, part.size)
        fields = (20, 0, 8, 0, 33, part.crc, len(raw), size, len(part.name))
        directory += (
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, len(body))
            + part.name
        )
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + part.name + raw
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), len(body), 0
    )
    path.write_bytes(bytes(body + directory + end))
    return path


def _workbook_parts() -> list[_Part]:
    return [
        _Part("[Content_Types].xml").add(_CONTENT_TYPES.encode()),
        _Part("_rels/.rels").add(_RELS.encode()),
        _Part("xl/workbook.xml").add(_WORKBOOK.encode()),
        _Part("xl/_rels/workbook.xml.rels").add(_WORKBOOK_RELS.encode()),
    ]


def write_xlsx_parts(path: Path, sheet: bytes | list[bytes]) -> Path:
    """A minimal workbook (inline strings, no styles) whose one sheet is `sheet`, or the
    concatenation of its chunks."""
    part = _Part("xl/worksheets/sheet1.xml")
    for chunk in [sheet] if isinstance(sheet, bytes) else sheet:
        part.add(chunk)
    return _write_zip(path, [*_workbook_parts(), part])


def dimension_bomb(path: Path) -> Path:
    """~2 KB: declares the whole sheet (A1:XFD1048576) and fills its two far corners, so
    a reader that trusts the extent allocates 16,384 × 1,048,576 cells (~512 GB)."""
    body = row(1, HEADER) + '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"
    return write_xlsx_parts(path, sheet_xml(body, "A1:XFD1048576"))


def declared_dimension_only(path: Path) -> Path:
    """A normal small sheet that merely declares a huge dimension: it imports."""
    body = row(1, HEADER) + row(2, ["K001", "王小美", "13812345678"])
    return write_xlsx_parts(path, sheet_xml(body, "A1:XFD1048576"))


def far_corners(path: Path, rows: int, column: str) -> Path:
    """Two cells: one in the last column wanted, one in the last row: few cells, huge area."""
    body = (
        row(1, HEADER)
        + f'<row r="2">{cell(f"{column}2", "x")}</row>'
        + f'<row r="{rows}">{cell(f"A{rows}", "K9")}</row>'
    )
    return write_xlsx_parts(path, sheet_xml(body, f"A1:{column}{rows}"))


def many_rows_xlsx(path: Path, rows: int) -> Path:
    """`rows` customer rows: highly compressible XML, small on disk."""
    head = sheet_xml("<!--BODY-->", f"A1:C{rows + 1}").split(b"<!--BODY-->")
    chunks = [head[0], row(1, HEADER).encode()]
    for start in range(2, rows + 2, 10_000):
        chunks.append(
            "".join(
                row(n, [f"K{n:07d}", "王小美", "13812345678"])
                for n in range(start, min(start + 10_000, rows + 2))
            ).encode()
        )
    chunks.append(head[1])
    return write_xlsx_parts(path, chunks)


def xml_bomb(path: Path, megabytes: int = 1100, lie: bool = False) -> Path:
    """Shaped like a decompression bomb: ~1 MB on disk, `megabytes` of sheet XML (spaces
    between two real rows) once inflated. With `lie`, the zip states 4 KB for it."""
    head, tail = sheet_xml("<!--BODY-->").split(b"<!--BODY-->")
    part = _Part("xl/worksheets/sheet1.xml").add(head + row(1, HEADER).encode())
    part.add(b" " * (1024 * 1024), times=megabytes)
    part.add(row(2, ["K001", "王小美", "13812345678"]).encode() + tail)
    declared = {part.name: 4096} if lie else None
    return _write_zip(path, [*_workbook_parts(), part], declared)


def million_column_csv(path: Path, columns: int = 1_000_000) -> Path:
    """A header of a million columns (~8 MB), then one row."""
    header = ",".join(["客户编号", "姓名", "手机"] + [f"c{i}" for i in range(columns)])
    path.write_bytes((header + "\nK001,王小美,13812345678\n").encode())
    return path


def nul_csv(path: Path, padding_rows: int = 3000) -> Path:
    """NUL and other control characters inside cells, also past the first 64 KB."""
    lines = ["客户编号,姓名,手机", "K001,王\x00小美,13812345678", "K002,李\x07丽\x1b,13912345678"]
    lines += [f"P{n:05d},客户{n},1381234{n % 10000:04d}" for n in range(padding_rows)]
    lines += ["K003,张\x00伟,18612345678"]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


def mixed_encoding_csv(path: Path) -> Path:
    """A UTF-8 file with two rows pasted in from a GBK export (rows 3 and 5)."""
    utf8 = lambda text: (text + "\n").encode("utf-8")  # noqa: E731
    gbk = lambda text: (text + "\n").encode("gbk")  # noqa: E731
    path.write_bytes(
        utf8("客户编号,姓名,手机")
        + utf8("K001,王小美,13812345678")
        + gbk("K002,李丽,13912345678")
        + utf8("K003,张伟,18612345678")
        + gbk("K004,赵敏,13712345678")
        + utf8("K005,孙红,13612345678")
    )
    return path


def deflated_size(data: bytes) -> int:
    return len(zlib.compress(data, 9))
