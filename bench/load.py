"""Load benchmark: logged-in users on the queue / search / customer-page mix against
`revisit serve` (gunicorn) on loopback, on SQLite and on PostgreSQL.

Each virtual user logs in with its own session (the demo's consultants and callers work
their queue, managers and the admin search and open customers), then loops until the
deadline: one request, then a think time of 0.5-1.5 s, as a person at a desk would. The
baseline, measured in the same run under the same load, is a static file served by the
same server: the latency of the server and the machine themselves. All users run in one
asyncio process (a load generator that burns a core would take it from the server); the
CPU the server, PostgreSQL's backends and the generator used is reported next to the
latencies.

    python bench/load.py [--databases sqlite,postgres] [--users 50] [--seconds 60]
                         [--serve-args "--workers 3 --threads 4"]

Results go to bench/results/load.md and load.json. No test asserts on them.
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import fresh_database  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "demo12345"
QUEUE_USERS = ["consultant1", "consultant2", "consultant3", "consultant4", "caller1", "caller2"]
DESK_USERS = ["manager1", "manager2", "manager3", "admin"]
SURNAMES = list("王李张刘陈杨黄赵吴周")
CUSTOMER_LINK = re.compile(r'href="/customers/(\d+)/"')
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def server_environment(env: dict) -> dict:
    """The server as `revisit serve` runs by default, whatever the shell that started the
    benchmark had set: production mode redirects plain HTTP to https (a reverse proxy
    terminates TLS in front of it), ALLOWED_HOSTS may leave out 127.0.0.1, and DEBUG
    keeps every query in memory. With ALLOWED_HOSTS=localhost in the shell, say, the login
    page answered 400 and the benchmark stopped with KeyError 'csrftoken'."""
    for name in ("REVISIT_PRODUCTION", "ALLOWED_HOSTS", "DEBUG", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    return env


def listening_port(server: subprocess.Popen, log: Path, timeout: float = 300) -> int:
    """The port gunicorn bound, once its workers answer (from its log: "Listening at:
    http://127.0.0.1:PORT")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"revisit serve exited ({server.returncode}): {log.read_text()}")
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:
            port = int(found.group(1))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                pass
        time.sleep(0.3)
    raise RuntimeError(f"revisit serve did not listen within {timeout} s: {log.read_text()}")


class Session:
    """One logged-in person: her own keep-alive connection and her cookies. A minimal
    HTTP/1.1 client on asyncio streams, so that fifty of them cost the machine little."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.reader = self.writer = None

    async def _connect(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, method: str, path: str, body: str = "", headers=None, full=False):
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        data = body.encode()
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded"]
            lines += [f"Content-Length: {len(data)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + data
        for attempt in range(2):  # the server may have closed an idle keep-alive connection
            try:
                if self.writer is None:
                    await self._connect()
                self.writer.write(raw)
                status, body, answered = await asyncio.wait_for(self._response(), 60)
                return (status, body, answered) if full else (status, body)
            except (OSError, asyncio.IncompleteReadError, ConnectionError):
                self.close()
                if attempt:
                    raise

    async def _response(self) -> tuple[int, bytes, dict]:
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        length, chunked, close = None, False, False
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = value
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";")[0]
        if chunked:
            body = b""
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                body += await self.reader.readexactly(size + 2)
                body = body[:-2]
            await self.reader.readline()
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body, close = await self.reader.read(), True
        if close:
            self.close()
        return status, body, headers

    async def log_in(self, username: str) -> None:
        status, body, headers = await self.request("GET", "/accounts/login/", full=True)
        token = self.cookies.get("csrftoken")
        if status != 200 or not token:
            # Not the login form: say what came instead (a redirect to https under
            # production settings, a 400 for a host not allowed, another server...).
            raise RuntimeError(
                f"GET /accounts/login/ answered {status} without a CSRF cookie "
                f"(Location: {headers.get('location', '-')}, Server: "
                f"{headers.get('server', '-')}): {body[:200]!r}"
            )
        status, _ = await self.request(
            "POST",
            "/accounts/login/",
            urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}),
            {"Referer": f"http://127.0.0.1:{self.port}/accounts/login/"},
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed: {status}")


async def user_loop(session, username, deadline, seed, samples, errors):
    rng = random.Random(seed)
    customer_ids: list[int] = []
    works_queue = username in QUEUE_USERS
    await asyncio.sleep(rng.uniform(0, 1.5))  # people do not all click at once
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.1:
            kind, path = "baseline", "/static/web/revisit.css"
        elif works_queue and roll < 0.7:
            kind, path = "queue", "/queue/"
        elif customer_ids and roll > 0.75:
            kind, path = "customer", f"/customers/{rng.choice(customer_ids)}/"
        elif rng.random() < 0.5:
            kind, path = "search", f"/customers/?q={quote(rng.choice(SURNAMES))}"
        else:
            kind, path = "search", f"/customers/?q={rng.randrange(10_000):04d}"
        start = time.perf_counter()
        try:
            status, body = await session.request("GET", path)
        except Exception as exc:  # counted, reported
            errors.append((kind, repr(exc)))
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            continue
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            errors.append((kind, status))
        else:
            samples.setdefault(kind, []).append(elapsed)
            if kind == "search" and len(customer_ids) < 200:
                customer_ids += [int(i) for i in CUSTOMER_LINK.findall(body.decode())[:20]]
        await asyncio.sleep(rng.uniform(0.5, 1.5))
    session.close()


async def crowd(port, users, seconds, samples, errors, server_group, database_name) -> dict:
    """Everyone logs in first (a login hashes a password: it is not part of the mix),
    then works until the deadline. Returns the CPU the server and this generator used
    while they worked."""
    everyone = QUEUE_USERS + DESK_USERS
    names = [everyone[i % len(everyone)] for i in range(users)]
    sessions = [Session(port) for _ in names]
    gate = asyncio.Semaphore(4)  # a login hashes a password: a few at a time

    async def log_in(session, name):
        async with gate:
            await session.log_in(name)

    await asyncio.gather(*(log_in(s, n) for s, n in zip(sessions, names, strict=True)))
    database_before = database_cpu(database_name)
    server_cpu, own_cpu, start = cpu_seconds(server_group), time.process_time(), time.monotonic()
    deadline = start + seconds
    await asyncio.gather(
        *(
            user_loop(session, name, deadline, i, samples, errors)
            for i, (session, name) in enumerate(zip(sessions, names, strict=True))
        )
    )
    wall = time.monotonic() - start
    database_after = database_cpu(database_name)
    return {
        "wall_s": wall,
        "server_cpu_s": cpu_seconds(server_group) - server_cpu,
        # A backend that started during the run counts from zero; one that ended is lost
        # (the server keeps its connections 60 s: few end within a run).
        "database_cpu_s": sum(t - database_before.get(pid, 0) for pid, t in database_after.items()),
        "generator_cpu_s": time.process_time() - own_cpu,
    }


async def one_user_queue(port, n=100) -> list[float]:
    session = Session(port)
    await session.log_in("consultant1")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = await session.request("GET", "/queue/")
        assert status == 200, status
        times.append((time.perf_counter() - start) * 1000)
    session.close()
    return times


def cpu_seconds(group: int) -> float:
    """User and system CPU time of every process in a process group (the server's)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime (of live processes)
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu(name: str | None) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to database `name` (by its process
    title, "postgres: … user NAME host(port) state"); nothing for SQLite, whose work is the
    server's own."""
    found = {}
    if not name:
        return found
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {name} " not in title:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(proc.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(database: str, users: int, seconds: int, customers: int, serve_args: list[str]) -> dict:
    env = server_environment(fresh_database(database, "revisit_load"))
    revisit = [sys.executable, "-m", "revisit.cli"]
    subprocess.run([*revisit, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run(
        [*revisit, "demo", "--customers", str(customers)],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run([*revisit, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    # gunicorn picks a free port itself and names it in its log: a port chosen here and
    # bound seconds later (Django starts slowly on a busy machine) may meanwhile be taken
    # by another program, and the benchmark would then measure that program.
    log = Path(env["REVISIT_VAR"]) / "serve.log"
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [*revisit, "serve", "--addr", "127.0.0.1:0", *serve_args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        port = listening_port(server, log)
        load_before = os.getloadavg()[0]  # other work on the machine, before the clock
        single = asyncio.run(one_user_queue(port))
        samples: dict[str, list[float]] = {}
        errors: list = []
        pg_name = "revisit_load" if database == "postgres" else None
        cpu = asyncio.run(crowd(port, users, seconds, samples, errors, server.pid, pg_name))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    baseline = samples.get("baseline", [1.0])
    kinds = {}
    for kind, values in sorted(samples.items()):
        kinds[kind] = {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "p95_vs_baseline": round(percentile(values, 95) / percentile(baseline, 95), 1),
        }
    total = sum(len(v) for v in samples.values())
    return {
        "database": database,
        "users": users,
        "seconds": seconds,
        "customers": customers,
        "requests": total + len(errors),
        "requests_per_s": round((total + len(errors)) / cpu["wall_s"], 1),
        "errors": len(errors),
        "error_examples": [str(e) for e in errors[:5]],
        "one_user_queue_median_ms": round(statistics.median(single), 1),
        "load_average_before": round(load_before, 1),
        # Where the machine's two cores went during the run (PostgreSQL's own processes
        # apart: database CPU).
        "server_cpu_ms_per_request": round(cpu["server_cpu_s"] * 1000 / max(total, 1), 1),
        "server_cores_busy": round(cpu["server_cpu_s"] / cpu["wall_s"], 2),
        "database_cpu_ms_per_request": round(cpu["database_cpu_s"] * 1000 / max(total, 1), 1),
        "generator_cores_busy": round(cpu["generator_cpu_s"] / cpu["wall_s"], 2),
        "kinds": kinds,
    }


def write_results(results: list[dict]) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(
        json.dumps({"commit": commit, "results": results}, indent=1, ensure_ascii=False)
    )
    lines = [
        "# Load: logged-in users on queue / search / customer pages",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on commit {commit}, this machine "
        f"({os.cpu_count()} cores), `python bench/load.py`: `revisit serve` (gunicorn, its "
        "default processes and threads) on loopback, the demo organization, each user "
        "logged in with her own session before the clock starts, then one request and a "
        "think time of 0.5-1.5 s, over and over. The baseline is a static file from the "
        "same server, requested by the same users in the same run (10% of the clicks). "
        "The load comes from one asyncio process; its CPU is reported (generator cores). "
        "Server CPU is gunicorn's and the background worker's; database CPU is PostgreSQL's "
        "backends' for this database (SQLite's work is in the server's).",
        "",
        "| database | users | req/s | errors | server CPU ms / request "
        "| database CPU ms / request | server cores | generator cores "
        "| one-user queue median | load average before |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['users']} | {r['requests_per_s']} | {r['errors']} "
            f"| {r['server_cpu_ms_per_request']} | {r.get('database_cpu_ms_per_request', 0)} "
            f"| {r['server_cores_busy']} "
            f"| {r['generator_cores_busy']} | {r['one_user_queue_median_ms']} ms "
            f"| {r['load_average_before']} |"
        )
    lines += [
        "",
        "| database | kind | n | p50 ms | p95 ms | p99 ms | p95 / baseline p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for kind, k in r["kinds"].items():
            lines.append(
                f"| {r['database']} | {kind} | {k['n']} | {k['p50_ms']} | {k['p95_ms']} "
                f"| {k['p99_ms']} | {k['p95_vs_baseline']}× |"
            )
    lines += [
        "",
        "Targets: p95 < 300 ms and no error at 50 users; queue median < 100 ms for one user.",
    ]
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--customers", type=int, default=12_000)
    parser.add_argument("--serve-args", default="", help='e.g. "--workers 3 --threads 4"')
    args = parser.parse_args()
    results = []
    for database in args.databases.split(","):
        result = run(database, args.users, args.seconds, args.customers, args.serve_args.split())
        print(json.dumps(result, ensure_ascii=False))
        results.append(result)
    write_results(results)


if __name__ == "__main__":
    main()
