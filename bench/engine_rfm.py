"""RFM summary + 8 segments: our Polars engine against what a user would otherwise run.

On the same seeded data (default 1,000,000 customers, 10,000,000 order lines, heavy-tailed
amounts and order counts, 2 % refunds, three years), in one run:

- ours: `revisit.engine` rfm_summary + mean thresholds + segments (Decimal money);
- DuckDB: a hand-written SQL query doing the same computation on the same Arrow data;
- pandas: an idiomatic groupby doing the same (float amounts, as pandas users do);
- pymc-marketing: `rfm_summary` (a benchmark-only dependency, `pip install -e '.[bench]'`).

Each contender runs in its own child process that loads the data from the same parquet
file; only the computation is timed (best of --repeat). Peak memory is the child's
maximum RSS, data included. Results: bench/results/engine_rfm.{md,json}.

  .venv/bin/python bench/engine_rfm.py [--customers N] [--lines M] [--repeat R]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
DATA = Path(__file__).parent / "data"
AS_OF = date(2025, 1, 1)


def make_data(customers: int, lines: int, path: Path, seed: int = 42) -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.3, customers) + 1.0
    owners = rng.choice(customers, size=lines, p=weights / weights.sum())
    days = rng.integers(0, 3 * 365, size=lines).astype(np.int32)
    cents = np.round(rng.lognormal(7.0, 1.2, size=lines) * 100).astype(np.int64)
    cents[rng.random(lines) < 0.02] *= -1
    frame = pl.DataFrame(
        {
            "customer_id": owners.astype(np.int64),
            "order_date": pl.Series(days + (date(2022, 1, 1) - date(1970, 1, 1)).days).cast(
                pl.Date
            ),
            "amount": (pl.Series(cents).cast(pl.Decimal(20, 2)) / 100).cast(pl.Decimal(20, 2)),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_ours(path: str, repeat: int) -> dict:
    import polars as pl

    from revisit.engine import assign_segments, compute_thresholds, rfm_summary

    lines = pl.read_parquet(path)

    def compute():
        summary = rfm_summary(lines, as_of=AS_OF)
        return assign_segments(summary, compute_thresholds(summary, "mean"))

    seconds, result = _best(compute, repeat)
    return {
        "seconds": seconds,
        "rows": result.height,
        "segments": dict(result.group_by("segment").len().iter_rows()),
    }


def run_duckdb(path: str, repeat: int) -> dict:
    import duckdb
    import polars as pl

    table = pl.read_parquet(path).to_arrow()
    con = duckdb.connect()
    con.register("lines", table)
    sql = f"""
        WITH s AS (
            SELECT customer_id,
                   max(order_date) FILTER (WHERE amount > 0) AS last_date,
                   count(DISTINCT order_date) FILTER (WHERE amount > 0) AS frequency,
                   sum(amount) AS monetary
            FROM lines WHERE order_date <= DATE '{AS_OF}'
            GROUP BY customer_id
            HAVING count(*) FILTER (WHERE amount > 0) > 0
        ), r AS (
            SELECT customer_id, DATE '{AS_OF}' - last_date AS recency_days, frequency, monetary
            FROM s
        ), t AS (
            SELECT avg(recency_days) AS rt, avg(frequency) AS ft, avg(monetary) AS mt FROM r
        )
        SELECT customer_id, recency_days, frequency, monetary,
               (CASE WHEN monetary >= mt THEN 'A' ELSE 'B' END) ||
               (CASE WHEN recency_days <= rt AND frequency >= ft THEN '1'
                     WHEN recency_days <= rt THEN '2'
                     WHEN frequency >= ft THEN '3' ELSE '4' END) AS segment
        FROM r, t
    """

    seconds, result = _best(lambda: con.execute(sql).to_arrow_table(), repeat)
    counts = {}
    for seg in result.column("segment").to_pylist():
        counts[seg] = counts.get(seg, 0) + 1
    return {"seconds": seconds, "rows": result.num_rows, "segments": counts}


def run_pandas(path: str, repeat: int) -> dict:
    import numpy as np
    import pandas as pd

    df = pd.read_parquet(path)
    df["amount"] = df["amount"].astype(float)
    df["order_date"] = pd.to_datetime(df["order_date"])
    as_of = pd.Timestamp(AS_OF)

    def compute():
        d = df[df["order_date"] <= as_of]
        positive = d[d["amount"] > 0]
        summary = positive.groupby("customer_id").agg(
            last_date=("order_date", "max"), frequency=("order_date", "nunique")
        )
        summary["monetary"] = d.groupby("customer_id")["amount"].sum()
        summary["recency_days"] = (as_of - summary["last_date"]).dt.days
        recent = summary["recency_days"] <= summary["recency_days"].mean()
        frequent = summary["frequency"] >= summary["frequency"].mean()
        high = summary["monetary"] >= summary["monetary"].mean()
        number = np.select([recent & frequent, recent, frequent], ["1", "2", "3"], "4")
        summary["segment"] = np.where(high, "A", "B") + number
        return summary

    seconds, result = _best(compute, repeat)
    return {
        "seconds": seconds,
        "rows": len(result),
        "segments": result["segment"].value_counts().to_dict(),
    }


def run_pymc(path: str, repeat: int) -> dict:
    import pandas as pd
    from pymc_marketing.clv.utils import rfm_summary

    df = pd.read_parquet(path)
    df["amount"] = df["amount"].astype(float)
    df["order_date"] = pd.to_datetime(df["order_date"])

    def compute():
        return rfm_summary(
            df,
            customer_id_col="customer_id",
            datetime_col="order_date",
            monetary_value_col="amount",
            observation_period_end=pd.Timestamp(AS_OF),
            time_unit="D",
        )

    seconds, result = _best(compute, repeat)
    return {"seconds": seconds, "rows": len(result), "segments": {}}


JOBS = {"ours": run_ours, "duckdb": run_duckdb, "pandas": run_pandas, "pymc": run_pymc}


def child(job: str, path: str, repeat: int) -> None:
    result = JOBS[job](path, repeat)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, default=str))


def spawn(python: str, job: str, path: Path, repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent / "src"))
    out = subprocess.run(
        [python, __file__, "--child", job, str(path), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--make":
        make_data(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = DATA / f"lines-{args.customers}-{args.lines}.parquet"
    if not path.exists():
        # In a child: a child's peak-memory counter starts from its parent's, so the
        # parent must never hold the data itself.
        subprocess.run(
            [sys.executable, __file__, "--make", str(args.customers), str(args.lines), str(path)],
            check=True,
        )
    results = {
        job: spawn(sys.executable, job, path, args.repeat) for job in ("ours", "duckdb", "pandas")
    }
    # rfm_summary is slow enough that one run says all there is to say.
    results["pymc"] = spawn(sys.executable, "pymc", path, 1)
    write_results(args, results)


def write_results(args, results: dict) -> None:
    ours = results["ours"]["seconds"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engine_rfm.json").write_text(
        json.dumps({"customers": args.customers, "lines": args.lines, "results": results}, indent=2)
    )
    names = {
        "ours": "revisit.engine (Polars)",
        "duckdb": "DuckDB SQL",
        "pandas": "pandas groupby",
        "pymc": "pymc-marketing rfm_summary",
    }
    table = [
        "# RFM summary + 8 segments",
        "",
        f"{args.lines:,} order lines of {args.customers:,} customers, same data for all, "
        f"2 cores; best of {args.repeat} (pymc-marketing: 1). Ratio = their time / ours.",
        "",
        "| contender | seconds | their time / ours | peak RSS (MB) | graded customers |",
        "|---|---:|---:|---:|---:|",
    ]
    for job, r in results.items():
        if "error" in r:
            table.append(f"| {names[job]} | failed: {r['error']} | | | |")
            continue
        table.append(
            f"| {names[job]} | {r['seconds']:.2f} | {r['seconds'] / ours:.2f} | "
            f"{r['peak_rss_mb']:,} | {r['rows']:,} |"
        )
    table += [
        "",
        "Targets: ours ≤ 1.2× DuckDB's time, ≥ 4× faster than pandas, ≥ 5× faster than "
        "pymc-marketing, peak memory < 1.5 GB.",
    ]
    (RESULTS / "engine_rfm.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
