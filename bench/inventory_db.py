"""Full inventory from the database against the plain I/O it needs, interleaved.

Builds a synthetic organization (heavy-tailed orders, about three lines an order, 2 %
refunds) straight into a database, then, in one process, runs rounds of:

  A  the product's first inventory (`run_inventory`: every customer gets a first tier)
  B  the baseline for it: an ADBC read of the same rows (customers and order lines) and
     a COPY (PostgreSQL) / executemany (SQLite) write of the same grade rows into the
     same grade table, committed: the fastest plain way to do the inventory's I/O
  A  the product's next inventory, a quarter later (tiers exist: proposals, downgrades)
  B  the baseline for that one

Between rounds (untimed) the inventories are deleted and tiers cleared, so each first
inventory starts from untiered customers. The baseline's frames and rows are checked
equal to the product's (round 1). Each product run is split into its phases by timers
around the inventory's own functions (the profile that explains a miss).

  .venv/bin/python bench/inventory_db.py [--customers 1000000] [--lines 10000000]
      [--rounds 3] [--databases sqlite,postgres]
      [--reuse sqlite=/path/bench.sqlite3,postgres=postgres://…/db]
"""

import argparse
import importlib.util
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

BENCH = Path(__file__).resolve().parent
# This folder holds a `calendar.py` benchmark that would shadow the standard library's
# module: off the path, and `databases` loaded by its file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
_spec = importlib.util.spec_from_file_location("bench_databases", BENCH / "databases.py")
databases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(databases)
fresh_database, PG_SERVER = databases.fresh_database, databases.PG_SERVER


def run_child(script: str, step: list[str], env: dict) -> dict:
    """Run `script --child STEP…` and return the JSON it prints last; its progress lines
    and errors pass through to this process's stderr."""
    out = subprocess.run(
        [sys.executable, script, "--child", *step],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = out.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, file=sys.stderr, flush=True)
    return json.loads(lines[-1])


RESULTS = Path(__file__).parent / "results"
PG_DB = "revisit_bench_inventory"
FIRST, NEXT = date(2024, 12, 31), date(2025, 3, 31)
STAMP = "2024-01-01 00:00:00+00:00"


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()


def _bulk_load(table: str, frame) -> None:
    """Build only: a frame into a table without a Python object per row (PostgreSQL:
    CSV through COPY; SQLite: ADBC ingest on its own connection, committed). The
    table's secondary indexes are dropped during the load and built again after (one
    sort each instead of millions of random inserts); on PostgreSQL the foreign-key
    triggers are off for the load (the build writes consistent keys)."""
    from django.db import connection, transaction

    indexes = _drop_indexes(table)
    if connection.vendor == "postgresql":
        from revisit.core.bulk import insert_frame

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            insert_frame(table, frame)
    else:
        from adbc_driver_sqlite import dbapi

        connection.close()  # one writer: Django's connection holds no lock or cached page
        with dbapi.connect(connection.settings_dict["NAME"]) as conn, conn.cursor() as cursor:
            cursor.adbc_ingest(table, frame, mode="append")
            conn.commit()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for create in indexes:
            cursor.execute(create)


def _drop_indexes(table: str) -> list[str]:
    """Build only: drop `table`'s indexes that back no constraint; return their DDL."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def build(customers: int, lines: int, seed: int) -> dict:
    """Child process: migrate and fill the database."""
    _setup()
    import numpy as np
    import polars as pl
    from django.core.management import call_command
    from django.db import connection

    from revisit.core.models import Organization, Store
    from revisit.customers.models import Customer
    from revisit.sales.models import Order, OrderLine

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(seed)
    org = Organization.objects.create(code="bench", name="bench")
    store = Store.objects.create(organization=org, code="S1", name="S1")
    start = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    false = 0 if sqlite else False

    def constant(name, value, n):
        return pl.repeat(value, n, eager=True).alias(name)

    customer_frame = pl.DataFrame(
        [
            constant("organization_id", org.pk, customers),
            pl.Series("code", [f"C{i:07d}" for i in range(customers)]),
            *(constant(c, "", customers) for c in ("name", "mobile", "channel", "tier")),
            constant("gender", "U", customers),
            constant("birthday_is_lunar", false, customers),
            constant("phone_status", "unknown", customers),
            constant("home_store_id", store.pk, customers),
            *(constant(c, "", customers) for c in ("satisfaction", "blacklist_reason")),
            constant("is_dispute", false, customers),
            constant("is_blacklisted", false, customers),
            *(constant(c, "", customers) for c in ("notes", "potential_needs")),
            constant("risk_flags", "[]", customers),
            constant("created_at", STAMP, customers),
            constant("updated_at", STAMP, customers),
        ]
    )
    _bulk_load(Customer._meta.db_table, customer_frame)
    first_id = Customer.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)
    first_id = first_id.first()
    # Heavy tail: a few customers place most orders; about three lines per order.
    n_orders = max(1, lines // 3)
    weights = rng.pareto(1.2, customers) + 1
    order_customer = rng.choice(customers, size=n_orders, p=weights / weights.sum()) + first_id
    order_day = rng.integers(0, 3 * 365, size=n_orders)
    epoch_day = date(2022, 1, 1).toordinal() - date(1970, 1, 1).toordinal()
    order_date = pl.Series("order_date", order_day + epoch_day, pl.Int32).cast(pl.Date)
    order_frame = pl.DataFrame(
        [
            constant("organization_id", org.pk, n_orders),
            pl.Series("order_no", [f"O{i}" for i in range(n_orders)]),
            pl.Series("customer_id", order_customer, pl.Int64),
            constant("store_id", store.pk, n_orders),
            order_date.cast(pl.String) if sqlite else order_date,
            constant("created_at", STAMP, n_orders),
        ]
    )
    _bulk_load(Order._meta.db_table, order_frame)
    first_order = Order.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)
    first_order = first_order.first()
    line_order = np.sort(rng.integers(0, n_orders, size=lines))
    line_no = np.arange(lines) - np.searchsorted(line_order, line_order) + 1
    cents = np.round(rng.lognormal(7.5, 1.1, size=lines) * 100).astype(np.int64)
    cents[rng.random(lines) < 0.02] *= -1
    amount = pl.Series("amount", cents) / 100
    line_frame = pl.DataFrame(
        [
            pl.Series("order_id", line_order + first_order, pl.Int64),
            pl.Series("line_no", line_no, pl.Int64),
            constant("organization_id", org.pk, lines),
            pl.Series("customer_id", order_customer[line_order], pl.Int64),
            order_frame["order_date"].gather(line_order),
            constant("quantity", 1, lines),
            amount,  # shortest float text: exactly the cents, for COPY and SQLite alike
            constant("is_promo", false, lines),
        ]
    )
    _bulk_load(OrderLine._meta.db_table, line_frame)
    with connection.cursor() as cursor:
        # What a database that has been running for a while has: statistics, and (on
        # PostgreSQL) the visibility map that lets the covering index answer alone.
        cursor.execute("ANALYZE" if sqlite else "VACUUM ANALYZE")
    return {
        "customers": customers,
        "lines": lines,
        "build_seconds": round(time.perf_counter() - start, 1),
    }


class Phases:
    """Wall and CPU time (see `_cpu`) of the product's inventory split by its own
    functions."""

    NAMES = {
        "revisit.grading.services.load_customers_and_lines": "read customers and lines",
        "revisit.engine.grade": "grade (engine)",
        "revisit.grading.services._write_grades": "write grades",
        "revisit.grading.services._set_initial_tiers": "first tiers",
        "revisit.grading.services._refresh_upgrade_proposals": "upgrade proposals",
        "revisit.grading.services._apply_downgrades": "downgrades",
    }

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def timed(self):
        import importlib

        patches = []
        for target, label in self.NAMES.items():
            module, name = target.rsplit(".", 1)
            original = getattr(importlib.import_module(module), name)
            patches.append(mock.patch(target, self._wrap(original, label)))
        for p in patches:
            p.start()
        try:
            yield
        finally:
            for p in patches:
                p.stop()

    def _wrap(self, function, label):
        def timed(*args, **kwargs):
            cpu = sum(_cpu().values())
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0) + time.perf_counter() - start
                self.cpu[label] = self.cpu.get(label, 0) + sum(_cpu().values()) - cpu

        return timed


def _reset(org) -> None:
    """Untimed: no inventory, no tier, no tier change (as right after an import)."""
    from django.db import connection, transaction

    from revisit.customers.models import Customer
    from revisit.grading.models import Grade, Inventory, TierChange

    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Grade, TierChange):
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)}")
        Inventory.objects.filter(organization=org).delete()
        cursor.execute(
            f"UPDATE {q(Customer._meta.db_table)} SET tier = '', tier_changed_on = NULL "
            "WHERE organization_id = %s",
            [org.pk],
        )
    _vacuum()


def _vacuum() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("customers_customer", "grading_grade", "grading_tierchange"):
                cursor.execute(f"VACUUM {table}")


def _baseline_read(org, as_of):
    """The same rows the inventory reads, through ADBC, written by hand."""
    import polars as pl
    from django.db import connection

    if connection.vendor == "postgresql":
        day, until = "order_date", f"DATE '{as_of.isoformat()}'"
        changed = "tier_changed_on"
    else:
        day, until = "CAST(julianday(order_date) - 2440587.5 AS INTEGER)", f"'{as_of}'"
        changed = "CAST(julianday(tier_changed_on) - 2440587.5 AS INTEGER)"
    with _adbc() as conn, conn.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, {day}, CAST(ROUND(amount * 100) AS BIGINT) FROM sales_orderline "
            f"WHERE organization_id = {org.pk} AND order_date <= {until}"
        )
        lines = pl.DataFrame(cursor.fetch_arrow())
        cursor.execute(
            f"SELECT id, owner_id, home_store_id, tier, {changed} FROM customers_customer "
            f"WHERE organization_id = {org.pk}"
        )
        customers = pl.DataFrame(cursor.fetch_arrow())
    return lines, customers


def _adbc():
    """The baseline's ADBC connection, in this process. On SQLite, Django's connection is
    closed first: two copies of SQLite must not both have the file open in one process
    (the product runs the driver in a child process for that reason)."""
    from django.db import connection

    from revisit.grading.frames import adbc_connect

    if connection.vendor == "sqlite":
        connection.close()
    return adbc_connect()


GRADE_COLUMNS = [
    "inventory_id",
    "customer_id",
    "segment",
    "tier",
    "score",
    "band",
    "recency_days",
    "frequency",
    "monetary",
    "owner_id_then",
    "store_id_then",
]


def _read_grades(inventory_id: int):
    import polars as pl

    with _adbc() as conn, conn.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, segment, tier, score, band, recency_days, frequency, "
            f"CAST(ROUND(monetary * 100) AS BIGINT) AS monetary_cents, owner_id_then, "
            f"store_id_then FROM grading_grade WHERE inventory_id = {inventory_id}"
        )
        return pl.DataFrame(cursor.fetch_arrow()).sort("customer_id")


def _baseline_write(grades, inventory_id: int) -> None:
    """The same grade rows into the same table, committed: COPY / executemany."""
    import polars as pl
    from django.db import connection, transaction

    frame = grades.select(
        pl.lit(inventory_id, pl.Int64).alias("inventory_id"),
        *GRADE_COLUMNS[1:8],
        (pl.col("monetary_cents") / 100).alias("monetary"),
        *GRADE_COLUMNS[9:],
    )
    columns = ", ".join(GRADE_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY grading_grade ({columns}) FROM STDIN (FORMAT CSV, NULL '\\N')"
            with cursor.cursor.copy(sql) as copy:
                for start in range(0, frame.height, 200_000):
                    buffer = io.BytesIO()
                    frame.slice(start, 200_000).write_csv(
                        buffer, include_header=False, null_value="\\N"
                    )
                    copy.write(buffer.getvalue())
        else:
            marks = ", ".join(["?"] * len(GRADE_COLUMNS))
            raw = connection.connection.cursor()
            raw.executemany(
                f"INSERT INTO grading_grade ({columns}) VALUES ({marks})", frame.iter_rows()
            )


def _frames_equal(a, b) -> bool:
    import polars as pl

    a = a.rename(dict(zip(a.columns, [f"c{i}" for i in range(a.width)], strict=True)))
    b = b.rename(dict(zip(b.columns, [f"c{i}" for i in range(b.width)], strict=True)))
    a = a.with_columns(pl.all().cast(pl.String)).sort(pl.all())
    b = b.with_columns(pl.all().cast(pl.String)).sort(pl.all())
    return a.equals(b)


_BACKENDS: dict[int, int] = {}


def _cpu() -> dict[str, float]:
    """CPU seconds so far: this process with its children (the SQLite reader), and on
    PostgreSQL the server process of Django's connection (the writes; the ADBC reads'
    short-lived server processes are not counted). Less sensitive to the machine's load
    than wall time."""
    from django.db import connection

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {"client": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime}
    if connection.vendor == "postgresql":
        pid = _BACKENDS.get(id(connection.connection))
        if pid is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = _BACKENDS[id(connection.connection)] = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu["server"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return cpu


def _product(org, as_of, phases: Phases) -> tuple[float, object, dict]:
    from revisit.grading.services import run_inventory

    before = _cpu()
    start = time.perf_counter()
    with phases.timed():
        inventory = run_inventory(org, as_of=as_of)
    seconds = time.perf_counter() - start
    after = _cpu()
    return seconds, inventory, {k: after[k] - before[k] for k in after}


def _baseline(org, as_of, grades, inventory_id) -> float:
    start = time.perf_counter()
    _baseline_read(org, as_of)
    _baseline_write(grades, inventory_id)
    return time.perf_counter() - start


def _check(org, as_of, product_inventory, baseline_inventory) -> bool:
    """The baseline read the rows the product reads and wrote the rows it wrote."""
    import polars as pl
    from django.db import transaction

    from revisit.grading.frames import load_customers, load_order_lines

    lines, customers = _baseline_read(org, as_of)
    product_lines = load_order_lines(org, until=as_of)
    product_customers = load_customers(org)
    with transaction.atomic():  # the product's same-connection path too
        same_path = load_order_lines(org, until=as_of).equals(product_lines)
    lines = lines.with_columns(pl.nth(1).cast(pl.Date))
    customers = customers.with_columns(pl.nth(4).cast(pl.Date))
    return (
        same_path
        and _frames_equal(lines, product_lines)
        and _frames_equal(customers.drop(pl.nth(3)), product_customers.drop("current_tier"))
        and _read_grades(product_inventory).equals(_read_grades(baseline_inventory))
    )


def measure(rounds: int) -> dict:
    """Child process: interleaved rounds on the built database."""
    _setup()
    from django.db import connection

    from revisit.core.models import Organization

    org = Organization.objects.get(code="bench")
    runs = {"first": [], "first_baseline": [], "next": [], "next_baseline": []}
    profiles = {"first": [], "next": []}
    profiles_cpu = {"first": [], "next": []}
    cpus = {"first": [], "next": []}
    loads = [os.getloadavg()[0]]
    checked = None
    for round_no in range(rounds):
        _reset(org)
        for step, as_of in (("first", FIRST), ("next", NEXT)):
            phases = Phases()
            seconds, inventory, cpu = _product(org, as_of, phases)
            loads.append(os.getloadavg()[0])
            cpus[step].append(cpu)
            runs[step].append(seconds)
            profiles[step].append(phases.seconds)
            profiles_cpu[step].append(phases.cpu)
            grades = _read_grades(inventory.pk)  # untimed: the rows to write again
            fake_id = -1 - round_no * 2 - (step == "next")
            runs[f"{step}_baseline"].append(_baseline(org, as_of, grades, fake_id))
            if checked is None or step == "next" and round_no == 0:
                ok = _check(org, as_of, inventory.pk, fake_id)
                checked = ok if checked is None else checked and ok
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM grading_grade WHERE inventory_id = %s", [fake_id])
            _vacuum()
        partial = {k: v[-1] for k, v in runs.items()}
        profile_now = {step: p[-1] for step, p in profiles.items()}
        profile_now["cpu"] = {step: p[-1] for step, p in profiles_cpu.items()}
        cpu_now = {step: c[-1] for step, c in cpus.items()}
        print(
            json.dumps({"round": round_no, **partial, "profile": profile_now, "cpu": cpu_now}),
            file=sys.stderr,
            flush=True,
        )
    median = {k: round(statistics.median(v), 2) for k, v in runs.items()}
    profile = {
        step: {
            label: round(statistics.median(p.get(label, 0) for p in profiles[step]), 2)
            for label in Phases.NAMES.values()
        }
        for step in profiles
    }
    profile_cpu = {
        step: {
            label: round(statistics.median(p.get(label, 0) for p in profiles_cpu[step]), 2)
            for label in Phases.NAMES.values()
        }
        for step in profiles_cpu
    }
    return {
        "profile_cpu": profile_cpu,
        "rounds": rounds,
        "seconds": median,
        "all_seconds": {k: [round(s, 2) for s in v] for k, v in runs.items()},
        "profile": profile,
        "cpu_seconds": {
            step: {k: round(statistics.median(c[k] for c in cpus[step]), 2) for k in cpus[step][0]}
            for step in cpus
        },
        "load_average": [round(min(loads), 1), round(max(loads), 1)],
        "outputs_equal": bool(checked),
        "graded": inventory.graded_count,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _commit() -> str:
    """The commit measured: this checkout's, or BENCH_COMMIT for a copy made with
    `git archive` (measured while the worktree moves on)."""
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=RESULTS
    )
    return out.stdout.strip() or os.environ.get("BENCH_COMMIT", "")


def write_report(results: list[dict]) -> None:
    (RESULTS / "inventory_db.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        "# Full inventory from the database",
        "",
        "`run_inventory` (read customers and order lines, grade: RFM 8 segments and tiers,",
        "write one grade per customer, move tiers) against the plain I/O it needs, measured",
        "in the same process, interleaved (product first, baseline first, product next,",
        "baseline next; median of the rounds). Target: first and next inventory under 30 s",
        "at 1,000,000 customers / 10,000,000 order lines on each database.",
        "",
        "Baseline: an ADBC read of the same rows (customers, order lines as integer cents)",
        "and a COPY (PostgreSQL) / executemany (SQLite) write of the same grade rows into",
        "the same grade table, committed. Checked: the baseline's frames equal the",
        "product's, and the grade rows it wrote equal the product's.",
        "",
        "First inventory: every customer gets a first tier (one UPDATE of every customer",
        "row, no tier-change rows). Next inventory, a quarter later: grades, upgrade",
        "proposals and downgrades.",
        "",
        "CPU: seconds of CPU the inventory took (median): this process with its children",
        "(the SQLite reader) + on PostgreSQL the server process of Django's connection (the",
        "writes; the ADBC reads' server processes are not counted). Less sensitive to the",
        "machine's load than the wall time.",
        "",
        "| database | customers | order lines | rounds | first (s) | CPU (s) | baseline (s) "
        "| ratio | next (s) | CPU (s) | baseline (s) | ratio | under 30 s | outputs equal "
        "| peak RSS (MB) | load average | commit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|---|",
    ]

    def cpu(r, step):
        c = r.get("cpu_seconds", {}).get(step, {})
        return " + ".join(str(c[k]) for k in ("client", "server") if k in c) or "-"

    for r in results:
        s = r["seconds"]
        met = "yes" if max(s["first"], s["next"]) < 30 else "NO"
        load = "–".join(str(v) for v in r.get("load_average", [])) or "-"
        lines.append(
            f"| {r['database']} | {r['customers']:,} | {r['lines']:,} | {r['rounds']} "
            f"| {s['first']} | {cpu(r, 'first')} | {s['first_baseline']} "
            f"| {s['first'] / s['first_baseline']:.2f}× "
            f"| {s['next']} | {cpu(r, 'next')} | {s['next_baseline']} "
            f"| {s['next'] / s['next_baseline']:.2f}× | {met} "
            f"| {'yes' if r['outputs_equal'] else 'NO'} | {r['peak_rss_mb']:,} | {load} "
            f"| {r['commit']} |"
        )
    lines += ["", "Where the time goes (median seconds per phase):", ""]
    labels = list(Phases.NAMES.values())
    lines += [
        "| database | inventory | " + " | ".join(labels) + " | rest |",
        "|---|---|" + "---:|" * (len(labels) + 1),
    ]
    for r in results:
        for step in ("first", "next"):
            p = r["profile"][step]
            rest = r["seconds"][step] - sum(p.values())
            cells = " | ".join(str(p.get(label, 0)) for label in labels)
            lines.append(f"| {r['database']} | {step} | {cells} | {rest:.2f} |")
    lines += ["", "CPU seconds per phase (median; as the CPU column):", ""]
    lines += [
        "| database | inventory | " + " | ".join(labels) + " | rest |",
        "|---|---|" + "---:|" * (len(labels) + 1),
    ]
    for r in results:
        for step in ("first", "next"):
            p = r.get("profile_cpu", {}).get(step)
            if not p:
                continue
            total = sum(r["cpu_seconds"][step].values())
            cells = " | ".join(str(p.get(label, 0)) for label in labels)
            lines.append(f"| {r['database']} | {step} | {cells} | {total - sum(p.values()):.2f} |")
    lines += ["", *[f"- {note}" for r in results for note in r.get("notes", [])]]
    lines += [
        "",
        "Recorded on a 2-core machine; the load average column gives the lowest and highest",
        "seen during the rounds. Above 2, other work shared the cores: absolute seconds are",
        "then pessimistic and noisy, and CPU seconds and the ratios, measured interleaved",
        "under the same load, matter most.",
    ]
    (RESULTS / "inventory_db.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _cached(args, database: str) -> tuple[str, Path] | None:
    """With --cache: the database URL for this size and seed, and the file marking its
    build as complete (it holds the build's JSON)."""
    if not args.cache:
        return None
    folder = Path(args.cache)
    folder.mkdir(parents=True, exist_ok=True)
    key = f"inventory_{args.customers}_{args.lines}_{args.seed}"
    if database == "postgres":
        url = f"{PG_SERVER}/revisit_bench_{key}"
    else:
        url = f"sqlite:///{folder / key}.sqlite3"
    return url, folder / f"{key}.{database}.built.json"


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        if sys.argv[2] == "build":
            print(json.dumps(build(*(int(a) for a in sys.argv[3:6]))))
        else:
            print(json.dumps(measure(int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--reuse", default="", help="database=URL,…: measure on databases built before"
    )
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--cache",
        default="",
        help="folder: keep the built databases (SQLite file there, PostgreSQL database "
        "named by size) and measure on them again in later runs",
    )
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.report_only:
        write_report(json.loads((RESULTS / "inventory_db.json").read_text()))
        return
    reuse = dict(item.split("=", 1) for item in args.reuse.split(",") if item)
    results = []
    for database in args.databases.split(","):
        result = {"database": database, "commit": _commit()}
        cached = _cached(args, database)
        if database in reuse or cached and cached[1].exists():
            url = reuse.get(database) or cached[0]
            env = dict(os.environ, DATABASE_URL=url, REVISIT_VAR=tempfile.mkdtemp())
            subprocess.run(
                [sys.executable, "-m", "django", "migrate", "--verbosity=0"],
                env=dict(env, DJANGO_SETTINGS_MODULE="revisit.settings"),
                check=True,
            )
            result.update(customers=args.customers, lines=args.lines)
            if cached:
                result.update(json.loads(cached[1].read_text()))
        else:
            pg_name = PG_DB
            if cached:
                pg_name = cached[0].rsplit("/", 1)[1]
            env = fresh_database(database, pg_name)
            if cached:
                env["DATABASE_URL"] = cached[0]
                Path(cached[0].removeprefix("sqlite:///")).unlink(missing_ok=True)
            step = ["build", str(args.customers), str(args.lines), str(args.seed)]
            built = run_child(__file__, step, env)
            result.update(built)
            if cached:
                cached[1].write_text(json.dumps(built))
        if args.build_only:
            print(json.dumps(result), flush=True)
            continue
        result.update(run_child(__file__, ["measure", str(args.rounds)], env))
        results.append(result)
        print(json.dumps(result), flush=True)
    if not args.build_only:
        write_report(results)


if __name__ == "__main__":
    main()
