"""How much an import may read, from settings, so a hostile file is refused before it
costs memory or time. The defaults fit a 1,000,000-line order export (bench/)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    file_bytes: int  # the file as uploaded (csv or xlsx)
    xlsx_xml_bytes: int  # an xlsx's parts once inflated (a zip can expand ~1000×)
    rows: int  # data rows, header excluded
    columns: int
    cells: int  # rows × columns of the area a sheet spans (a reader allocates all of it)
    cell_chars: int

    @classmethod
    def current(cls) -> "Limits":
        return cls(
            file_bytes=settings.IMPORT_MAX_FILE_BYTES,
            xlsx_xml_bytes=settings.IMPORT_MAX_XLSX_XML_BYTES,
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cells=settings.IMPORT_MAX_CELLS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
        )


def megabytes(size: int) -> str:
    """A limit as people read it: 200, 0.5."""
    return f"{size / MB:,.1f}".removesuffix(".0")


def too_large(limit: int) -> str:
    return _("The file is larger than %(limit)s MB; split it into smaller files.") % {
        "limit": megabytes(limit)
    }
