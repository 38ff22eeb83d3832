"""Load benchmark: logged-in users on the queue / search / customer-page mix against
`revisit serve` (gunicorn) on loopback, on SQLite and on PostgreSQL.

Each virtual user logs in with its own session (the demo's consultants and callers work
their queue, managers and the admin search and open customers), then loops until the
deadline: one request, then a think time of 0.5-1.5 s, as a person at a desk would. The
baseline, measured in the same run under the same load, is a static file served by the
same server: the latency of the server and the machine themselves.

    python bench/load.py [--databases sqlite,postgres] [--users 50] [--seconds 60]

Results go to bench/results/load.md and load.json. No test asserts on them.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """One logged-in person: a keep-alive connection with her cookies."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, data

    def log_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        token = self.cookies["csrftoken"]
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}),
            {"Referer": f"http://127.0.0.1:{self.port}/accounts/login/"},
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed: {status}")


def user_loop(port, username, deadline, seed, samples, errors):
    rng = random.Random(seed)
    session = Session(port)
    session.log_in(username)
    customer_ids: list[int] = []
    works_queue = username in QUEUE_USERS
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
            status, body = session.request("GET", path)
        except Exception as exc:  # counted, reported
            errors.append((kind, repr(exc)))
            continue
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            errors.append((kind, status))
        else:
            samples.setdefault(kind, []).append(elapsed)
            if kind == "search" and len(customer_ids) < 200:
                customer_ids += [int(i) for i in CUSTOMER_LINK.findall(body.decode())[:20]]
        time.sleep(rng.uniform(0.5, 1.5))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def one_user_queue(port, n=100) -> list[float]:
    session = Session(port)
    session.log_in("consultant1")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = session.request("GET", "/queue/")
        assert status == 200, status
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(database: str, users: int, seconds: int, customers: int) -> dict:
    env = fresh_database(database, "revisit_load")
    revisit = [sys.executable, "-m", "revisit.cli"]
    subprocess.run([*revisit, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run(
        [*revisit, "demo", "--customers", str(customers)],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run([*revisit, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [*revisit, "serve", "--addr", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        single = one_user_queue(port)
        samples: dict[str, list[float]] = {}
        errors: list = []
        deadline = time.monotonic() + seconds
        everyone = QUEUE_USERS + DESK_USERS
        threads = [
            threading.Thread(
                target=user_loop,
                args=(port, everyone[i % len(everyone)], deadline, i, samples, errors),
            )
            for i in range(users)
        ]
        for t in threads:
            t.start()
            time.sleep(0.05)  # logins spread over a few seconds, as a morning starts
        for t in threads:
            t.join()
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
        "requests_per_s": round((total + len(errors)) / seconds, 1),
        "errors": len(errors),
        "error_examples": [str(e) for e in errors[:5]],
        "one_user_queue_median_ms": round(statistics.median(single), 1),
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
        f"Measured {datetime.now(UTC):%Y-%m-%d} on commit {commit}, this machine (2 cores), "
        "`python bench/load.py`: `revisit serve` (gunicorn) on loopback, the demo "
        "organization, each user with her own session and a think time of 0.5-1.5 s. "
        "The baseline is a static file from the same server under the same load.",
        "",
        "| database | users | req/s | errors | one-user queue median | kind | n | p50 ms "
        "| p95 ms | p99 ms | p95 / baseline p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for kind, k in r["kinds"].items():
            lines.append(
                f"| {r['database']} | {r['users']} | {r['requests_per_s']} | {r['errors']} "
                f"| {r['one_user_queue_median_ms']} ms | {kind} | {k['n']} | {k['p50_ms']} "
                f"| {k['p95_ms']} | {k['p99_ms']} | {k['p95_vs_baseline']}× |"
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
    args = parser.parse_args()
    results = []
    for database in args.databases.split(","):
        result = run(database, args.users, args.seconds, args.customers)
        print(json.dumps(result, ensure_ascii=False))
        results.append(result)
    write_results(results)


if __name__ == "__main__":
    main()
