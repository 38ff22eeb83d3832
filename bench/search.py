"""Customer search on 1,000,000 customers, over HTTP against the real server.

Builds a throwaway organization (3 stores, 30 owners, realistic names and mobiles, last
visits, tags, one inventory's grades) straight into a fresh database, untimed (raw
executemany / COPY with the secondary indexes dropped during the load), then starts
`revisit serve` (gunicorn, DEBUG off) on loopback and requests the customers page as one
user at a time, as an admin and as a store manager (scoped), for each query kind the
search supports. Baselines, measured in the same run and interleaved request by request
with the page: the page's own SQL (the same statement the view runs for that query, from
the same function) executed directly through the driver on one open connection, and a
static file served by the same server. Results go to bench/results/search.{md,json}.

  .venv/bin/python bench/search.py [--customers 1000000] [--databases sqlite,postgres]
      [--samples 250] [--rounds 5] [--reuse] [--build-only] [--explain]

--reuse measures the database a previous run built (migrated first) instead of building;
--explain prints each query kind's SQL and plan (with --reuse: on the built databases).
"""

import argparse
import asyncio
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

# bench/ goes last on the path, not first: its calendar.py would shadow the standard
# library's (which date parsing imports).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]
from databases import PG_SERVER, fresh_database, run_child  # noqa: E402
from load import Session, listening_port, server_environment  # noqa: E402

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # load.py put it back

RESULTS = Path(__file__).parent / "results"
PG_DB = "revisit_bench_search"
SQLITE_DIR = Path(tempfile.gettempdir()) / "revisit-bench-search"
PASSWORD = "x-bench-123"
TARGET_MS = 50
USERS = ["admin", "manager"]
CUSTOMER_LINK = re.compile(r'href="/customers/(\d+)/"')


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()


@contextmanager
def secondary_indexes_dropped(tables: list[str]):
    """Drop the tables' secondary indexes (not those behind constraints) for a bulk load
    and build them again afterwards: much faster than maintaining them row by row."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [tables],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # check the deferred foreign keys first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, sql in indexes:
            cursor.execute(sql)


def build(customers: int, seed: int) -> dict:
    """Child process: migrate and fill the database."""
    _setup()
    from datetime import date, timedelta

    import numpy as np
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from revisit.core.bulk import insert_rows
    from revisit.core.models import Organization, Role, RoleAssignment, Staff, Store
    from revisit.customers.models import Customer, Tag
    from revisit.demo.people import GIVEN_FEMALE, MOBILE_PREFIXES, SURNAMES
    from revisit.grading.models import Grade, Inventory

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    rng = np.random.default_rng(seed)
    hashed = make_password(PASSWORD)  # once: hashing is slow on purpose
    start = time.perf_counter()
    tables = [Customer._meta.db_table, Customer.tags.through._meta.db_table, Grade._meta.db_table]
    with transaction.atomic(), secondary_indexes_dropped(tables):
        org = Organization.objects.create(code="bench", name="bench")
        stores = [
            Store.objects.create(organization=org, code=f"S{i}", name=f"门店{i}") for i in range(3)
        ]
        owners = []
        for i in range(30):
            staff = Staff.objects.create(
                username=f"owner{i}", password=hashed, organization=org, display_name=f"咨询{i}"
            )
            RoleAssignment.objects.create(staff=staff, role=Role.CONSULTANT, store=stores[i % 3])
            owners.append(staff)
        admin = Staff.objects.create(username="admin", password=hashed, organization=org)
        RoleAssignment.objects.create(staff=admin, role=Role.ADMIN)
        manager = Staff.objects.create(username="manager", password=hashed, organization=org)
        RoleAssignment.objects.create(staff=manager, role=Role.STORE_MANAGER, store=stores[0])
        tags = [Tag.objects.create(organization=org, name=f"标签{i}") for i in range(10)]
        surname = rng.integers(0, len(SURNAMES), customers)
        given = rng.integers(0, len(GIVEN_FEMALE), (customers, 2))
        two_chars = rng.random(customers) < 0.6
        prefix = rng.integers(0, len(MOBILE_PREFIXES), customers)
        suffix = rng.permutation(100_000_000)[:customers]
        owner = rng.integers(0, len(owners), customers)
        visit = rng.integers(0, 3 * 365, customers)
        channels = ["walk_in", "referral", "online", "event", ""]
        channel = rng.integers(0, len(channels), customers)
        tiers = ["SVIP", "A", "B", "C", ""]
        tier = rng.choice(len(tiers), customers, p=[0.01, 0.09, 0.3, 0.4, 0.2])
        today = date(2025, 1, 1)
        stamp = "2024-01-01 00:00:00+00:00"
        insert_rows(
            Customer._meta.db_table,
            [
                "organization_id",
                "code",
                "name",
                "gender",
                "birthday_is_lunar",
                "mobile",
                "phone_status",
                "channel",
                "owner_id",
                "home_store_id",
                "tier",
                "last_visit",
                "satisfaction",
                "is_dispute",
                "is_blacklisted",
                "blacklist_reason",
                "notes",
                "potential_needs",
                "risk_flags",
                "created_at",
                "updated_at",
            ],
            (
                (
                    org.pk,
                    f"C{i:07d}",
                    SURNAMES[surname[i]]
                    + GIVEN_FEMALE[given[i, 0]]
                    + (GIVEN_FEMALE[given[i, 1]] if two_chars[i] else ""),
                    "F",
                    False,
                    f"+86{MOBILE_PREFIXES[prefix[i]]}{suffix[i]:08d}",
                    "unknown",
                    channels[channel[i]],
                    owners[owner[i]].pk,
                    stores[owner[i] % 3].pk,
                    tiers[tier[i]],
                    today - timedelta(days=int(visit[i])),
                    "",
                    False,
                    False,
                    "",
                    "",
                    "",
                    "[]",
                    stamp,
                    stamp,
                )
                for i in range(customers)
            ),
        )
        ids = list(
            Customer.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)
        )
        through = Customer.tags.through
        tagged = rng.random(customers) < 0.2
        tag_of = rng.integers(0, len(tags), customers)
        insert_rows(
            through._meta.db_table,
            ["customer_id", "tag_id"],
            ((ids[i], tags[tag_of[i]].pk) for i in range(customers) if tagged[i]),
        )
        inventory = Inventory.objects.create(
            organization=org, as_of=today, customer_count=customers
        )
        segments = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "none"]
        segment = rng.integers(0, len(segments), customers)
        insert_rows(
            Grade._meta.db_table,
            ["inventory_id", "customer_id", "segment", "tier", "band", "frequency", "monetary"],
            (
                (inventory.pk, ids[i], segments[segment[i]], tiers[tier[i]] or "C", "", 1, "100")
                for i in range(customers)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"customers": customers, "build_seconds": round(time.perf_counter() - start, 1)}


def queries(sample: dict) -> dict[str, dict]:
    """Every kind of search the page supports (the text box: name, code, whole phone,
    last four digits; and the filters), with values taken from the data."""
    return {
        "first page, no filter": {},
        "last 4 digits of the phone": {"q": sample["last4"]},
        "whole phone number": {"q": sample["phone"]},
        "customer code": {"q": sample["code"]},
        "name prefix (surname + given)": {"q": sample["name2"]},
        "name prefix (surname only)": {"q": sample["surname"]},
        "segment": {"segment": "A1"},
        "tier SVIP": {"tier": "SVIP"},
        "owner": {"owner": sample["owner"]},
        "store + segment": {"store": sample["store"], "segment": "B4"},
        "last visit in a month": {"visited_after": "2024-11-01", "visited_before": "2024-11-30"},
        "tag + channel": {"tag": sample["tag"], "channel": "referral"},
        # Reached through the pages' "next" links, as a user does (seek paging).
        "page 20 of a segment": {"segment": "A2", "page": "20"},
    }


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest sample with at least p% of the samples at or below it
    (the 238th of 250 for the 95th)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
    }


class Driver:
    """The page's SQL run straight through the database driver on one open connection."""

    def __init__(self):
        from django.db import connection

        settings = connection.settings_dict
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            import psycopg

            self.conn = psycopg.connect(
                dbname=settings["NAME"],
                host=settings["HOST"],
                port=settings["PORT"] or 5432,
                user=settings["USER"],
                autocommit=True,
            )
        else:
            import sqlite3

            self.conn = sqlite3.connect(settings["NAME"])

    def statement(self, queryset) -> tuple[str, list]:
        from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

        sql, params = queryset.query.sql_with_params()
        if self.vendor == "sqlite":
            sql = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
        return sql, list(params)

    def run(self, statements: list[tuple[str, list]]) -> int:
        """Run the page's statements in turn; the number of rows of the first."""
        counts = []
        for sql, params in statements:
            cursor = self.conn.cursor()
            cursor.execute(sql, params)
            counts.append(len(cursor.fetchall()))
            cursor.close()
        return counts[0]


_LOOP = asyncio.new_event_loop()


def call(coroutine):
    """Run one request of the (asyncio) client to its end: one user, one at a time."""
    return _LOOP.run_until_complete(coroutine)


class ServerCpu:
    """User + system CPU seconds of the server's processes (gunicorn's master and
    workers: its process group), read from /proc between requests."""

    def __init__(self, group: int):
        self.stats = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group:  # pgrp
                self.stats.append(stat)
        self.tick = os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float:
        total = 0
        for stat in self.stats:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / self.tick


def log_in(session: Session, username: str) -> None:
    call(session.request("GET", "/accounts/login/"))
    token = session.cookies["csrftoken"]
    status, _ = call(
        session.request(
            "POST",
            "/accounts/login/",
            urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}),
            {"Referer": f"http://127.0.0.1:{session.port}/accounts/login/"},
        )
    )
    if status != 302:
        raise RuntimeError(f"login of {username} failed: {status}")


def plan(driver: Driver) -> tuple[list[dict], dict]:
    """Per user and query kind: the URL, and the SQL the view runs for its rows."""
    from django.http import QueryDict

    from revisit.core.models import Organization, Staff
    from revisit.customers.models import Customer
    from revisit.web.search import PageRequest, customer_page_query, page_query, read_page
    from revisit.web.views.customers import table_customers

    org = Organization.objects.get(code="bench")
    # A customer of the manager's store, so the scoped searches find her too.
    in_store = Customer.objects.filter(organization=org, home_store__code="S0").order_by("pk")
    pick = in_store[in_store.count() // 2]
    sample = {
        "last4": pick.mobile[-4:],
        "phone": pick.mobile.removeprefix("+86"),
        "code": pick.code,
        "name2": pick.name[:2],
        "surname": pick.name[:1],
        "owner": str(pick.owner_id),
        "store": str(pick.home_store_id),
        "tag": str(org.tags.order_by("pk").first().pk),
    }
    items = []
    for username in USERS:
        staff = Staff.objects.get(username=username)
        for kind, params in queries(sample).items():
            data = QueryDict(urlencode(params))
            form, customers = customer_page_query(staff, data)
            ordering = form.ordering()
            if "page" in params:  # page N as a user reaches it: the previous page's link
                wanted = PageRequest()
                while wanted.number < int(params["page"]):
                    page = read_page(customers, ordering, wanted, form.scope, table_customers())
                    wanted = PageRequest(page.number + 1, after=page.rows[-1].pk)
                params = {**params, "after": str(wanted.after)}
                data = QueryDict(urlencode(params))
            rows, _wanted = page_query(
                customers, ordering, PageRequest.from_query(data), form.scope, table_customers()
            )
            items.append(
                {
                    "key": f"{username}|{kind}",
                    "user": username,
                    "path": "/customers/" + (f"?{urlencode(params)}" if params else ""),
                    "statements": [driver.statement(rows)],
                }
            )
    return items, sample


def explain_all() -> dict:
    """Child process: each query kind's plan for its page's rows, as the database runs it
    (EXPLAIN QUERY PLAN on SQLite; EXPLAIN ANALYZE with buffers on PostgreSQL, which
    also says whether JIT compiled the statement)."""
    _setup()
    driver = Driver()
    items, _sample = plan(driver)
    plans = {}
    for item in items:
        sqls, lines = [], []
        for sql, params in item["statements"]:
            cursor = driver.conn.cursor()
            if driver.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                lines += [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                depth = {0: -1}
                for node, parent, _unused, detail in cursor.fetchall():
                    depth[node] = depth.get(parent, -1) + 1
                    lines.append("  " * depth[node] + detail)
            cursor.close()
            sqls.append(sql)
            lines.append("")
        plans[item["key"]] = {"path": item["path"], "sql": sqls, "plan": lines}
    return plans


def measure(port: int, samples: int, rounds: int, group: int) -> dict:
    """Child process: interleaved, request by request, the page over HTTP and its SQL
    through the driver, for each user and query kind; a static file once per pass."""
    _setup()
    driver = Driver()
    items, sample = plan(driver)
    sessions = {}
    for username in USERS:
        sessions[username] = Session(port)
        log_in(sessions[username], username)
    static = Session(port)
    http = {i["key"]: [] for i in items}
    sql = {i["key"]: [] for i in items}
    static_times: list[float] = []
    server_cpu = ServerCpu(group)
    cpu_ms = {i["key"]: 0.0 for i in items}
    round_p95 = {i["key"]: [] for i in items}
    rows = {}

    def get(session: Session, path: str) -> tuple[float, bytes]:
        start = time.perf_counter()
        status, body = call(session.request("GET", path))
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise RuntimeError(f"{path}: {status}")
        return elapsed, body

    for item in items:  # warm caches and check the page and its SQL agree
        for _ in range(3):
            _t, body = get(sessions[item["user"]], item["path"])
            count = driver.run(item["statements"])
        shown = len(set(CUSTOMER_LINK.findall(body.decode())))
        if shown != min(count, 50):
            raise RuntimeError(f"{item['key']}: page shows {shown} rows, its SQL finds {count}")
        # The table masks numbers (the search box and links keep what was typed).
        table = body.decode().partition("<tbody>")[2].partition("</tbody>")[0]
        if "whole phone" in item["key"] and sample["phone"] in table:
            raise RuntimeError("the whole phone number is shown unmasked")
        rows[item["key"]] = shown
    get(static, "/static/web/revisit.css")
    per_round = samples // rounds
    for _round in range(rounds):
        first = {key: len(v) for key, v in http.items()}
        for _ in range(per_round):
            for item in items:
                before = server_cpu.seconds()
                http[item["key"]].append(get(sessions[item["user"]], item["path"])[0])
                cpu_ms[item["key"]] += (server_cpu.seconds() - before) * 1000
                start = time.perf_counter()
                driver.run(item["statements"])
                sql[item["key"]].append((time.perf_counter() - start) * 1000)
            static_times.append(get(static, "/static/web/revisit.css")[0])
        for key, values in http.items():
            round_p95[key].append(round(percentile(values[first[key] :], 95), 2))
    return {
        "static_file": summary(static_times),
        "queries": {
            item["key"]: {
                "rows": rows[item["key"]],
                "http": summary(http[item["key"]]),
                "sql": summary(sql[item["key"]]),
                "http_p95_by_round": round_p95[item["key"]],
                # Server CPU per request, mean over the samples (clock ticks summed).
                "server_cpu_ms": round(cpu_ms[item["key"]] / len(http[item["key"]]), 1),
            }
            for item in items
        },
    }


def database_env(database: str, *, fresh: bool) -> dict:
    """The environment of a run's child processes: a new database, or the one a previous
    run built (--reuse)."""
    if fresh:
        env = fresh_database(database, PG_DB)
        if database == "sqlite":  # kept where --reuse finds it
            SQLITE_DIR.mkdir(exist_ok=True)
            path = SQLITE_DIR / "bench.sqlite3"
            for old in SQLITE_DIR.glob("bench.sqlite3*"):
                old.unlink()
            env["DATABASE_URL"] = f"sqlite:///{path}"
        return env
    env = dict(os.environ, REVISIT_VAR=tempfile.mkdtemp(prefix="revisit-bench-"))
    if database == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_DIR / 'bench.sqlite3'}"
    return env


@contextmanager
def server(env: dict):
    """`revisit serve` (gunicorn with its default workers and threads) on a port gunicorn
    picks itself (named in its log), as load.py starts it."""
    env = server_environment(dict(env))
    revisit = [sys.executable, "-m", "revisit.cli"]
    subprocess.run([*revisit, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    log = Path(env["REVISIT_VAR"]) / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*revisit, "serve", "--no-worker", "--addr", "127.0.0.1:0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        yield listening_port(process, log), process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def run_one(database: str, args) -> dict:
    env = database_env(database, fresh=not args.reuse)
    if args.reuse:
        subprocess.run(
            [sys.executable, "-m", "revisit.cli", "migrate", "-v", "0"], env=env, check=True
        )
        build = {"customers": args.customers, "build_seconds": None, "reused": True}
    else:
        build = run_child(__file__, ["build", str(args.customers), str(args.seed)], env)
    if args.build_only:
        return {"database": database, "build": build}
    if args.explain:
        return {"database": database, "plans": run_child(__file__, ["explain"], env)}
    with server(env) as (port, group):
        load_before = os.getloadavg()[0]
        measured = run_child(
            __file__,
            ["measure", str(port), str(args.samples), str(args.rounds), str(group)],
            env,
        )
        load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    return {"database": database, "build": build, "load_average": load, **measured}


def commit() -> str:
    def git(*a):
        return subprocess.run(["git", *a], capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty else "")


def write_results(results: list[dict], args, measured: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    record = {"commit": measured, "date": f"{datetime.now(UTC):%Y-%m-%d}", "results": results}
    (RESULTS / "search.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    lines = [
        "# Customer search over HTTP",
        "",
        f"Measured {record['date']} on commit {measured}, `python bench/search.py` on a 2-core "
        "machine (the load average at the start and end of each database's measurement is "
        "given below: above 2, other work shared the cores and absolute times are inflated; "
        "the ratios to the baselines, measured interleaved, hold better).",
        "",
        f"{args.customers:,} customers in one organization (3 stores, 30 consultants, a "
        "published inventory). `revisit serve` (gunicorn, DEBUG off, default workers and "
        "threads) on loopback; one user at a time, keep-alive, logged in: the admin (whole "
        "organization) and a store manager (one store). Per user and query kind: "
        f"{args.samples} requests of the customers page (form, first 50 rows, rendered), "
        "after 3 warm-up requests, in "
        f"{args.rounds} rounds. p95 is the nearest-rank 95th percentile of all samples "
        f"(the {math.ceil(0.95 * args.samples)}th of {args.samples}). Target: p95 < "
        f"{TARGET_MS} ms.",
        "",
        "Baselines, interleaved request by request with the page in the same run: **SQL** is "
        "the statement the view runs for that page's rows (built by the same function), "
        "executed through the plain driver (sqlite3 / psycopg) on one open connection and "
        "fetched; **static** is a CSS file from the same server (the cost of HTTP, "
        "gunicorn and the machine). **Server CPU ms**: user + system CPU time of the "
        "server's processes (its process group, from /proc) per request of that kind, the "
        "clock ticks of all its samples summed and divided by their number.",
        "",
    ]
    for r in results:
        static = r["static_file"]
        build = r["build"]
        built = "reused" if build.get("reused") else f"built untimed in {build['build_seconds']} s"
        lines += [
            f"## {r['database']} ({built})",
            "",
            f"Static file: p50 {static['p50_ms']} ms, p95 {static['p95_ms']} ms. Load average "
            f"(1 min) at the start and end of the measurement: {r['load_average'][0]} and "
            f"{r['load_average'][1]} on 2 cores.",
            "",
            "| user | query | rows | page p50 | page p95 | page p99 | p95 by round | "
            "server CPU ms | SQL p50 | SQL p95 | page p95 ÷ static p95 |",
            "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for key, q in r["queries"].items():
            user, kind = key.split("|")
            h, s = q["http"], q["sql"]
            rounds = " / ".join(f"{v:g}" for v in q["http_p95_by_round"])
            lines.append(
                f"| {user} | {kind} | {q['rows']} | {h['p50_ms']} | **{h['p95_ms']}** | "
                f"{h['p99_ms']} | {rounds} | {q['server_cpu_ms']} | {s['p50_ms']} | "
                f"{s['p95_ms']} | {h['p95_ms'] / static['p95_ms']:.1f} |"
            )
        worst = max(q["http"]["p95_ms"] for q in r["queries"].values())
        lines += [
            "",
            f"Slowest page p95: {worst} ms "
            f"({'meets' if worst < TARGET_MS else 'misses'} the {TARGET_MS} ms target).",
            "",
        ]
    (RESULTS / "search.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        if sys.argv[2] == "build":
            print(json.dumps(build(int(sys.argv[3]), int(sys.argv[4]))))
        elif sys.argv[2] == "explain":
            print(json.dumps(explain_all(), ensure_ascii=False))
        else:
            print(json.dumps(measure(*(int(a) for a in sys.argv[3:7]))))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--samples", type=int, default=250, help="per user and query kind")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure the last run's databases")
    parser.add_argument("--build-only", action="store_true", help="build, do not measure")
    parser.add_argument("--no-record", action="store_true", help="print, do not write results")
    parser.add_argument(
        "--explain", action="store_true", help="print each query kind's plan, do not measure"
    )
    args = parser.parse_args()
    measured = commit()  # the code the run starts with (commits made meanwhile are not it)
    results = [run_one(db, args) for db in args.databases.split(",")]
    if args.explain:
        for r in results:
            for key, found in r["plans"].items():
                print(f"== {r['database']} | {key} | {found['path']}")
                print("\n".join(found["sql"]))
                print("\n".join(found["plan"]), end="\n\n")
    elif args.no_record or args.build_only:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    else:
        write_results(results, args, measured)


if __name__ == "__main__":
    main()
