"""`revisit journeys preview --date D [--out FILE.csv|.xlsx]`: one row per touch planned
for that day (customer code, journey, trigger date, tier, channel, action, template,
and the reason a message will not be sent); `revisit journeys run --date D`: fire them
(what the worker's tick does each day; a second run does nothing)."""

import csv
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revisit.core.clock import local_date
from revisit.core.services import resolve_organization
from revisit.journeys.tick import preview_day, run_day, suppression_summary

HEADERS = ["客户编号", "旅程", "触发日期", "等级", "渠道", "动作", "模板", "不发送原因"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _day(text: str | None, organization) -> date:
    if not text:
        return local_date(organization)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text[:40]!r}") from None
    if not 1900 <= day.year <= 2200:
        raise CommandError("日期应在 1900 至 2200 年之间")
    return day


class Command(BaseCommand):
    help = "Preview or fire the timed journeys of a day."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        preview = sub.add_parser("preview", help="list the touches planned for a day")
        preview.add_argument("--org")
        preview.add_argument("--date", help="YYYY-MM-DD (default: today)")
        preview.add_argument("--out", help="write the rows to FILE.csv or FILE.xlsx")
        run = sub.add_parser("run", help="fire the journeys of a day")
        run.add_argument("--org")
        run.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **opts):
        org = resolve_organization(opts.get("org"))
        day = _day(opts.get("date"), org)
        if opts["action"] == "run":
            done = run_day(org, day).as_dict()
            self.stdout.write(
                f"{day}：触发 {done['fired']}，排队消息 {done['queued']}，未发送 "
                f"{done['suppressed']}，电话任务 {done['calls']}，门店任务 {done['store_tasks']}"
                + (f"，无法生成 {done['unrenderable']}" if done["unrenderable"] else "")
            )
            return
        out = opts.get("out")
        if out and Path(out).suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("输出文件须为 .csv 或 .xlsx")
        touches = preview_day(org, day)
        rows = [
            [
                t.code,
                t.journey,
                t.occurs_on.isoformat(),
                t.tier,
                t.channel,
                t.action,
                t.template,
                t.reason_label or ("已触发" if t.fired else ""),
            ]
            for t in touches
        ]
        summary = suppression_summary(touches)
        held = "，".join(f"{label} {n}" for label, n in summary["held"]) or "0"
        line = (
            f"{day}：计划 {len(rows)} 项；消息 {summary['messages']}，将发送 "
            f"{summary['to_send']}；未发送：{held}"
        )
        if not out:
            writer = csv.writer(self.stdout)
            writer.writerow(HEADERS)
            writer.writerows([[_cell(v) for v in row] for row in rows])
            self.stdout.write(line)
            return
        try:
            if out.lower().endswith(".csv"):
                with open(out, "w", newline="", encoding="utf-8-sig") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(HEADERS)
                    writer.writerows([[_cell(v) for v in row] for row in rows])
            else:
                from openpyxl import Workbook

                book = Workbook(write_only=True)
                sheet = book.create_sheet("旅程预览")
                sheet.append(HEADERS)
                for row in rows:
                    sheet.append([_cell(v) for v in row])
                book.save(out)
        except OSError as error:
            raise CommandError(f"无法写入 {out}：{error.strerror}") from None
        self.stdout.write(f"{line}；已写入 {out}")
