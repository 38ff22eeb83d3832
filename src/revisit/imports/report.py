"""What an import did, row by row, and the files it leaves for the user."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from revisit.core.spreadsheets import write_table


@dataclass
class Rejection:
    row: int  # as the user sees it in the spreadsheet: the header is row 1
    column: str
    reason: str
    value: str = ""


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool = False
    read: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    created_customers: int = 0
    created_items: int = 0
    columns: dict = field(default_factory=dict)
    unmapped: list = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)
    report_path: str = ""
    rejects_path: str = ""
    run_id: int | None = None
    refused: bool = False  # an all-or-nothing file with rejected rows: nothing written

    @property
    def rejected(self) -> int:
        return len({r.row for r in self.rejections})

    def balanced(self) -> bool:
        """read = imported + updated + rejected + duplicates skipped."""
        return self.read == self.imported + self.updated + self.rejected + self.duplicates

    def summary(self) -> str:
        mode = "（试运行，未写入 dry run）" if self.dry_run else ""
        text = (
            f"读取 {self.read} 行，新增 {self.imported}，更新 {self.updated}，"
            f"拒绝 {self.rejected}，重复跳过 {self.duplicates}{mode}\n"
            f"read {self.read}, imported {self.imported}, updated {self.updated}, "
            f"rejected {self.rejected}, duplicates skipped {self.duplicates}"
        )
        if self.created_customers or self.created_items:
            text += (
                f"\n新建客户 {self.created_customers}，新建项目 {self.created_items} "
                f"(customers created {self.created_customers}, items created {self.created_items})"
            )
        return text

    def write_files(self, folder: Path, stem: str) -> None:
        """Write the report (JSON) and, when rows were rejected or warned about, the
        rejects file (CSV that Excel opens) next to it."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.rejections or self.warnings:
            path = folder / f"{stem}-rejects.csv"
            rows = [(r.row, r.column, r.reason, r.value, "拒绝 rejected") for r in self.rejections]
            rows += [(w.row, w.column, w.reason, w.value, "警告 warning") for w in self.warnings]
            rows.sort(key=lambda r: r[0])
            write_table(
                path, ["行号 row", "列 column", "原因 reason", "内容 value", "类型 type"], rows
            )
            self.rejects_path = str(path)
        report = folder / f"{stem}-report.json"
        self.report_path = str(report)
        data = asdict(self) | {"rejected": self.rejected}
        data["rejections"] = data["rejections"][:1000]
        data["warnings"] = data["warnings"][:1000]
        report.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def delete_files(self) -> None:
        """Remove the files of an import that did not happen."""
        for path in (self.report_path, self.rejects_path):
            if path:
                Path(path).unlink(missing_ok=True)
        self.report_path = self.rejects_path = ""
