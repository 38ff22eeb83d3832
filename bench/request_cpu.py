"""Server CPU per request of the load mix's pages, measured in process (a shared machine's
wall-clock times are noisy; the CPU a request costs is not, or much less).

Builds the demo organization once (as bench/load.py does), then, in a child process with
DEBUG off, logs in the load mix's users with Django's test client and requests each page
kind round-robin: the queue (a consultant's and a caller's), the customer search (by
surname and by digits), a customer's page, and two baselines, a static file (WhiteNoise)
and the login page (a small template, no database). Each request's CPU is the process's
user+system time around it (SQLite runs in process, so its work is counted). On
PostgreSQL the request's server CPU is measured too: the test client holds one connection,
whose backend process's CPU time (/proc/PID/schedstat, in nanoseconds) is read before and
after each request; total = client + server is the figure to drive down (on a 2-core
machine at ~45 requests/s it is what decides how long requests wait for a core). The table
gives the median per kind, its ratio to the login page's, the queries each page makes,
and the load mix's weighted CPU per request (the mix's shares from bench/load.py's last
run: queue 35%, search 33%, customer 24%, static 10%), client, server and total.

    python bench/request_cpu.py [--databases sqlite,postgres] [--rounds 40] [--repeats 2]
                                [--baseline COMMIT] [--reuse] [--profile queue] [--label after]

--baseline measures that commit's src/ (git archive) alongside the working tree, the two
alternating child by child (A B A B: the machine's load, which inflates CPU times on a
shared machine, falls on both alike), and reports current / baseline per page. --reuse
measures the databases a previous run built; a run without --label records nothing.
--profile KIND prints cProfile's top functions for that kind, and on PostgreSQL each of
its queries' server CPU (summed over the rounds). --name NAME keeps this run's databases
apart from another session's (default request_cpu). Results are appended to
bench/results/request_cpu.md (with the label and the load average) and request_cpu.json.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import PG_SERVER, run_child  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
VAR = Path("/tmp/revisit-bench-request-cpu")
PG_DB = "revisit_bench_request_cpu"
PASSWORD = "demo12345"
CUSTOMER_LINK = re.compile(r'href="/customers/(\d+)/"')
# (kind, user, path); a path of None is filled with a customer's page.
PAGES = [
    ("static", "consultant1", "/static/web/revisit.css"),
    ("login page", None, "/accounts/login/"),
    ("queue", "consultant1", "/queue/"),
    ("queue", "caller1", "/queue/"),
    ("search", "manager1", "/customers/?q=%E7%8E%8B"),  # 王
    ("search", "admin", "/customers/?q=0417"),
    ("customer", "manager1", None),
    ("customer", "admin", None),
]
MIX = {"queue": 0.35, "search": 0.33, "customer": 0.24, "static": 0.10}


def environment(database: str, reuse: bool, name: str = "request_cpu") -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    env.pop("DEBUG", None)
    suffix = "" if name == "request_cpu" else f"_{name}"
    var = Path(f"{VAR}{suffix}") / database
    pg_db = f"{PG_DB}{suffix}"
    env["REVISIT_VAR"] = str(var)
    if database == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{pg_db}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    revisit = [sys.executable, "-m", "revisit.cli"]
    if not reuse:
        subprocess.run(["rm", "-rf", str(var)], check=True)
        var.mkdir(parents=True)
        if database == "postgres":
            import psycopg

            with psycopg.connect(
                PG_SERVER.replace("postgres://", "postgresql://") + "/postgres", autocommit=True
            ) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {pg_db}")
                conn.execute(f"CREATE DATABASE {pg_db}")
        subprocess.run([*revisit, "migrate", "--noinput", "-v", "0"], env=env, check=True)
        subprocess.run([*revisit, "demo"], env=env, check=True, capture_output=True)
    else:
        subprocess.run([*revisit, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    return env


def cpu() -> float:
    return time.process_time()


class Backend:
    """The CPU time of the database server's process serving this connection: PostgreSQL
    forks one backend per connection, and /proc/PID/schedstat's first field is the time
    it has run, in nanoseconds (stat's utime/stime tick in 10 ms, too coarse for one
    request). SQLite runs in process: nothing to add."""

    def __init__(self, connection):
        self.connection = connection
        self.pid = None
        if connection.vendor == "postgresql":
            # One connection for the whole run (the server's is kept 60 s): a backend
            # that ended between two reads would lose its CPU time.
            connection.settings_dict["CONN_MAX_AGE"] = None
            connection.ensure_connection()
            self.pid = connection.connection.info.backend_pid

    def ms(self) -> float:
        if self.pid is None:
            return 0.0
        if self.connection.connection.info.backend_pid != self.pid:
            raise RuntimeError("the database connection changed during the measurement")
        with open(f"/proc/{self.pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e6


def child(rounds: int, profile: str | None) -> dict:
    # bench/ holds calendar.py, which would shadow the standard library's for Django.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    assert not settings.DEBUG
    backend = Backend(connection)
    clients: dict = {None: Client()}
    for _kind, user, _path in PAGES:
        if user not in clients:
            clients[user] = Client()
            response = clients[user].post(
                "/accounts/login/", {"username": user, "password": PASSWORD}
            )
            assert response.status_code == 302, user
    customer_ids = {}
    for user in ("manager1", "admin"):
        body = clients[user].get("/customers/?q=%E6%9D%8E").content.decode()  # 李
        customer_ids[user] = [int(i) for i in CUSTOMER_LINK.findall(body)][:10]
        assert customer_ids[user], user

    def path_for(user, path, i):
        return path or f"/customers/{customer_ids[user][i % len(customer_ids[user])]}/"

    queries: dict[str, list[int]] = {}
    for kind, user, path in PAGES:  # warm every page once, and count its queries
        for i in range(3):
            with CaptureQueriesContext(connection) as captured:
                response = clients[user].get(path_for(user, path, i))
            assert response.status_code == 200, (kind, user, path, response.status_code)
            if path or i:
                queries.setdefault(f"{kind} ({user})", []).append(len(captured))
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        per_query: dict[str, list[float]] = {}

        def server_time(execute, sql, params, many, context):
            start = backend.ms()
            try:
                return execute(sql, params, many, context)
            finally:
                per_query.setdefault(sql, []).append(backend.ms() - start)

        with connection.execute_wrapper(server_time):
            for i in range(rounds):
                for kind, user, path in PAGES:
                    if kind == profile:
                        profiler.enable()
                        clients[user].get(path_for(user, path, i))
                        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        if backend.pid:
            total = sum(sum(v) for v in per_query.values())
            print(f"server CPU of {profile}'s queries: {total:.1f} ms", file=sys.stderr)
            for sql, times in sorted(per_query.items(), key=lambda kv: -sum(kv[1]))[:30]:
                print(
                    f"{sum(times):9.1f} ms {len(times):5d}× {sum(times) / len(times):6.2f}  "
                    f"{sql[:400]}",
                    file=sys.stderr,
                )
        return {}
    samples: dict[str, list[float]] = {}
    server: dict[str, list[float]] = {}
    for i in range(rounds):  # round-robin: the machine's noise falls on every kind alike
        for kind, user, path in PAGES:
            url = path_for(user, path, i)
            start, server_start = cpu(), backend.ms()
            response = clients[user].get(url)
            spent, server_spent = cpu() - start, backend.ms() - server_start
            assert response.status_code == 200
            samples.setdefault(kind, []).append(spent * 1000)
            server.setdefault(kind, []).append(server_spent)
    queries = {k: max(v) for k, v in queries.items()}
    return {"samples": samples, "server": server, "queries": queries}


def measure(database: str, env: dict, rounds: int, repeats: int, sources: dict) -> dict:
    """Each code version's children, alternating (A B A B …) so that the machine's load
    falls on each alike; their samples pooled."""
    pooled: dict[str, dict] = {
        name: {"samples": {}, "server": {}, "queries": {}} for name in sources
    }
    for _ in range(repeats):
        for name, src in sources.items():
            result = run_child(__file__, [str(rounds)], env | {"PYTHONPATH": src})
            for part in ("samples", "server"):
                for kind, values in result.get(part, {}).items():
                    pooled[name][part].setdefault(kind, []).extend(values)
            pooled[name]["queries"] = result["queries"]
    out = {"database": database}
    for name, p in pooled.items():
        samples, server = p["samples"], p["server"]
        total = {k: [a + b for a, b in zip(v, server[k], strict=True)] for k, v in samples.items()}
        medians = {k: round(statistics.median(v), 2) for k, v in samples.items()}
        means = {k: round(statistics.fmean(v), 2) for k, v in samples.items()}
        server_means = {k: round(statistics.fmean(v), 2) for k, v in server.items()}
        total_means = {k: round(statistics.fmean(v), 2) for k, v in total.items()}
        out[name] = {
            "cpu_ms": medians,
            "cpu_ms_p10": {k: round(sorted(v)[len(v) // 10], 2) for k, v in samples.items()},
            "cpu_ms_mean": means,
            "server_cpu_ms_mean": server_means,
            "total_cpu_ms": {k: round(statistics.median(v), 2) for k, v in total.items()},
            "total_cpu_ms_mean": total_means,
            "ratio": {k: round(v / medians["login page"], 1) for k, v in medians.items()},
            "mix_cpu_ms": round(sum(share * means[k] for k, share in MIX.items()), 1),
            "mix_server_cpu_ms": round(sum(share * server_means[k] for k, share in MIX.items()), 1),
            "mix_total_cpu_ms": round(sum(share * total_means[k] for k, share in MIX.items()), 1),
            "queries": p["queries"],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--baseline", default="", help="a commit to measure alongside")
    parser.add_argument("--profile", default="")
    parser.add_argument("--label", default="")
    parser.add_argument("--name", default="request_cpu", help="keeps the databases apart")
    parser.add_argument("--child", nargs="*")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(int(args.child[0]), args.child[1] if len(args.child) > 1 else None)))
        return
    here = str(Path(__file__).resolve().parents[1] / "src")
    sources = {"current": here}
    if args.baseline:
        base = Path(tempfile.mkdtemp(prefix="revisit-baseline-"))
        archive = subprocess.run(
            ["git", "archive", args.baseline, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        sources = {"baseline": str(base / "src"), "current": here}
    results = []
    for database in args.databases.split(","):
        env = environment(database, args.reuse, args.name)
        if args.profile:
            step = [str(args.rounds), args.profile]
            subprocess.run([sys.executable, __file__, "--child", *step], env=env, check=True)
            continue
        result = measure(database, env, args.rounds, args.repeats, sources)
        print(json.dumps(result, ensure_ascii=False))
        results.append(result)
    if results and args.label:  # a run without a label is a look, not a record
        record(results, args.label, args.rounds, args.repeats, args.baseline)


def record(results: list[dict], label: str, rounds: int, repeats: int, baseline: str) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True).stdout
    load = os.getloadavg()[0]
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "request_cpu.json"
    history = json.loads(path.read_text()) if path.exists() else []
    history.append(
        {"label": label, "commit": commit, "dirty": bool(dirty), "baseline": baseline}
        | {"when": stamp, "load": load, "rounds": rounds, "repeats": repeats, "results": results}
    )
    path.write_text(json.dumps(history, indent=1, ensure_ascii=False) + "\n")
    md = RESULTS / "request_cpu.md"
    lines = [] if md.exists() else ["# Server CPU per request (bench/request_cpu.py)", "", __doc__]
    versions = [v for v in ("baseline", "current") if v in results[0]]
    lines += [
        f"## {label}: commit {commit}{' (+ uncommitted changes)' if dirty else ''}"
        + (f" against {baseline}" if baseline else "")
        + f", {stamp}, load average {load:.1f}, {repeats}×{rounds} rounds",
        "",
        "| database | kind | "
        + " | ".join(
            f"{v} client CPU ms (median / p10) | {v} server CPU ms (mean) "
            f"| {v} total ms (mean) | {v} queries"
            for v in versions
        )
        + (" | total current / baseline |" if baseline else " |"),
        "|---|---|" + "---|---|---|---|" * len(versions) + ("---|" if baseline else ""),
    ]

    def total(r, v, kind=None):
        return r[v]["mix_total_cpu_ms"] if kind is None else r[v]["total_cpu_ms_mean"][kind]

    for r in results:
        for kind in r["current"]["cpu_ms"]:
            cells = []
            for v in versions:
                counts = sorted(
                    {q for k, q in r[v]["queries"].items() if k.startswith(kind + " (")}
                )
                cells.append(
                    f"{r[v]['cpu_ms'][kind]} / {r[v]['cpu_ms_p10'][kind]} "
                    f"| {r[v]['server_cpu_ms_mean'][kind]} | {total(r, v, kind)} "
                    f"| {'/'.join(map(str, counts)) or 0}"
                )
            change = (
                f" | {total(r, 'current', kind) / total(r, 'baseline', kind):.2f}×"
                if baseline
                else ""
            )
            lines.append(f"| {r['database']} | {kind} | " + " | ".join(cells) + change + " |")
        mix = " | ".join(
            f"**{r[v]['mix_cpu_ms']}** (mean) | **{r[v]['mix_server_cpu_ms']}** "
            f"| **{r[v]['mix_total_cpu_ms']}** | "
            for v in versions
        )
        change = f" | {total(r, 'current') / total(r, 'baseline'):.2f}×" if baseline else ""
        lines.append(f"| {r['database']} | **load mix** | {mix}{change} |")
    lines.append("")
    with md.open("a") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
