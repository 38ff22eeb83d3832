"""Import speed: 1,000,000 order lines from CSV and from xlsx into SQLite and PostgreSQL.

Each import runs in a fresh child process against a throwaway database; the child reports
its wall time and peak memory. The baseline, measured in the same run, is polars reading
and parsing the same CSV (what any import must at least do), so the ratio shows what
checking, keying and writing cost on top.

  .venv/bin/python bench/import_orders.py [--lines 1000000] [--databases sqlite,postgres]
      [--formats csv,xlsx]
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from databases import fresh_database, run_child  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PG_DB = "revisit_bench_import"
ITEMS = [
    "光子嫩肤",
    "超光子嫩肤",
    "水光针",
    "富勒烯水光",
    "肉毒素除皱",
    "玻尿酸填充",
    "超皮秒",
    "热玛吉",
    "超声炮",
    "双眼皮",
    "隆鼻",
    "冰点脱毛",
    "医用面膜",
    "婴儿针",
    "热拉提",
]
CATEGORIES = [
    "皮肤美容",
    "皮肤美容",
    "皮肤美容",
    "皮肤美容",
    "注射",
    "注射",
    "激光",
    "抗衰",
    "抗衰",
    "眼部整形",
    "鼻部整形",
    "激光",
    "产品",
    "注射",
    "抗衰",
]


def make_files(lines: int, folder: Path, seed: int = 11) -> dict[str, Path]:
    """~0.3 lines per order, ~100 lines per 10 customers, heavy-tailed amounts."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    orders = max(1, int(lines * 0.3))
    customers = max(1, lines // 10)
    order_of_line = np.sort(rng.integers(0, orders, size=lines))
    customer_of_order = rng.integers(0, customers, size=orders)
    day_of_order = rng.integers(0, 3 * 365, size=orders)
    item = rng.integers(0, len(ITEMS), size=lines)
    cents = np.round(rng.lognormal(7.2, 1.0, size=lines)) * 100
    refunds = rng.random(lines) < 0.02
    cents[refunds] *= -1
    base = np.datetime64("2022-01-01")
    frame = pl.DataFrame(
        {
            "收费单号": [f"S{o:08d}" for o in order_of_line],
            "客户编号": [f"K{c:07d}" for c in customer_of_order[order_of_line]],
            "收费日期": (base + day_of_order[order_of_line]).astype("datetime64[D]").astype(str),
            "项目": np.array(ITEMS)[item],
            "项目类别": np.array(CATEGORIES)[item],
            "数量": np.ones(lines, dtype=int),
            "实收金额": [f"{c / 100:.2f}" for c in cents],
        }
    )
    csv_path, xlsx_path = folder / "orders.csv", folder / "orders.xlsx"
    frame.write_csv(csv_path)
    frame.write_excel(xlsx_path, autofit=False)
    return {"csv": csv_path, "xlsx": xlsx_path}


def child_import(path: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()
    from django.core.management import call_command

    from revisit.core.models import Organization
    from revisit.imports.services import import_orders

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(code="bench", name="bench")
    start = time.perf_counter()
    report = import_orders(org, path)
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 1),
        "imported": report.imported,
        "rejected": report.rejected,
        "rows_per_second": round(report.read / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def child_baseline(path: str) -> dict:
    import polars as pl

    from revisit.imports.parsing import parse_amount, parse_date

    start = time.perf_counter()
    frame = pl.read_csv(path, infer_schema=False)
    frame.select(
        parse_date(pl.col("收费日期")).alias("d"), parse_amount(pl.col("实收金额")).alias("a")
    )
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        if sys.argv[2] == "make":
            files = make_files(int(sys.argv[3]), Path(sys.argv[4]))
            print(json.dumps({k: str(v) for k, v in files.items()}))
            return
        job = child_import if sys.argv[2] == "import" else child_baseline
        print(json.dumps(job(sys.argv[3])))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="revisit-import-bench-"))
    # Every step runs in its own process: a child's peak memory counter starts from its
    # parent's, so the parent must stay small.
    files = run_child(__file__, ["make", str(args.lines), str(folder)], dict(os.environ))
    baseline = run_child(__file__, ["baseline", str(files["csv"])], dict(os.environ))
    results = []
    for database in args.databases.split(","):
        for fmt in args.formats.split(","):
            env = fresh_database(database, PG_DB)
            result = run_child(__file__, ["import", str(files[fmt])], env)
            result.update(
                database=database,
                format=fmt,
                lines=args.lines,
                vs_baseline=round(result["seconds"] / baseline["seconds"], 1),
            )
            results.append(result)
            print(result, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import.json").write_text(
        json.dumps({"baseline": baseline, "runs": results}, indent=2)
    )
    table = [
        "# Import benchmark",
        "",
        f"{args.lines:,} order lines (~{int(args.lines * 0.3):,} orders, "
        f"~{args.lines // 10:,} new customers created by the import, 15 items), one import "
        "per fresh database, on this 2-core machine. Baseline: polars reading the same CSV "
        f"and parsing its dates and amounts, {baseline['seconds']} s "
        f"({baseline['peak_rss_mb']} MB).",
        "",
        "| database | format | seconds | rows/s | × baseline | peak RSS (MB) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        table.append(
            f"| {r['database']} | {r['format']} | {r['seconds']} | "
            f"{r['rows_per_second']:,} | {r['vs_baseline']} | {r['peak_rss_mb']:,} |"
        )
    table.append("")
    table.append("Target: 1,000,000 CSV order lines in under 60 s on SQLite.")
    (RESULTS / "import.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
