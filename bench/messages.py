"""The outbox worker: one worker sends 100,000 queued marketing SMS (each customer with a
recorded consent, the rules checked after the claim) through the real Aliyun backend to a
local fake of Aliyun's HTTP API running in another process. Target: at least 200 messages
per second.

Baseline, in the same run and process: the same number of plain HTTP POSTs of a signed
SendSms body to the same fake server over one kept-alive connection (what the network part
of a send costs at least). Reported: messages per second, requests per second, and the
ratio. Results go to bench/results/messages.{md,json}.

  .venv/bin/python bench/messages.py [--messages 100000] [--databases sqlite,postgres]
"""

import argparse
import http.client
import importlib.util
import json
import multiprocessing
import os
import socket
import subprocess
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

BENCH = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_databases", BENCH / "databases.py")
_databases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_databases)
fresh_database, run_child = _databases.fresh_database, _databases.run_child

RESULTS = BENCH / "results"
PG_DB = "revisit_bench_messages"
TARGET_PER_SECOND = 200
KEY_ID, SECRET = "benchid", "benchsecret"


class FakeAliyun(BaseHTTPRequestHandler):
    """SendSms answered OK with a BizId (the signature is checked in the tests)."""

    protocol_version = "HTTP/1.1"
    # The status line and headers go out in one write and the body in another: with
    # Nagle's algorithm on, the client's delayed ACK holds the body back ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        params = dict(parse_qsl(self.rfile.read(length).decode()))
        body = json.dumps(
            {"Code": "OK", "Message": "OK", "BizId": f"{params.get('OutId', '')[:8]}^0"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(port_queue) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    port_queue.put(server.server_port)
    server.serve_forever()


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()


def build(count: int):
    """Child process: migrate, then an organization with `count` consenting customers and
    one queued marketing SMS each."""
    from datetime import UTC, datetime, time

    from django.core.management import call_command
    from django.db import transaction

    from revisit.core.models import Organization, Store
    from revisit.customers.models import Customer, MarketingConsent
    from revisit.messaging.models import Message, MessagingSettings

    call_command("migrate", verbosity=0)
    past = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction.atomic():
        org = Organization.objects.create(code="bench", name="bench")
        store = Store.objects.create(organization=org, code="S1", name="门店")
        MessagingSettings.objects.create(
            organization=org,
            daily_cap=count * 2,
            # No quiet hours: the run must not depend on the time of day it happens at.
            quiet_start=time(0),
            quiet_end=time(0),
        )
        for start in range(0, count, 10_000):
            stop = min(start + 10_000, count)
            customers = Customer.objects.bulk_create(
                Customer(
                    organization=org,
                    code=f"C{i:06d}",
                    name=f"顾客{i}",
                    home_store=store,
                    mobile=f"+86138{i:08d}",
                    phone_status="valid",
                )
                for i in range(start, stop)
            )
            MarketingConsent.objects.bulk_create(
                MarketingConsent(
                    customer=c, channel="sms", granted=True, recorded_at=past, source="bench"
                )
                for c in customers
            )
            Message.objects.bulk_create(
                Message(
                    organization=org,
                    customer=c,
                    channel="sms",
                    purpose="marketing",
                    text=f"【门店】{c.name}您好，新品到店，欢迎光临。回T退订",
                    recipient=c.mobile,
                    due_at=past,
                )
                for c in customers
            )
    return org


def measure(count: int, port: int) -> dict:
    _setup()
    from django.conf import settings
    from django.db import connection

    from revisit.messaging.backends import aliyun_signature
    from revisit.messaging.models import Message
    from revisit.messaging.outbox import send_due

    started = time.perf_counter()
    build(count)
    built = time.perf_counter() - started
    url = f"http://127.0.0.1:{port}/"
    settings.MESSAGING_SMS_BACKEND = "revisit.messaging.backends.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = url
    settings.ALIYUN_ACCESS_KEY_ID, settings.ALIYUN_ACCESS_KEY_SECRET = KEY_ID, SECRET
    settings.ALIYUN_SMS_SIGN_NAME, settings.ALIYUN_SMS_TEMPLATE_CODE = "门店", "SMS_1"

    # Baseline: the same number of POSTs of a signed body, one kept-alive connection.
    params = {"Action": "SendSms", "PhoneNumbers": "13800000000", "OutId": "baseline"}
    params["Signature"] = aliyun_signature(params, SECRET)
    body = "&".join(f"{k}={v}" for k, v in params.items()).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the backend does
    start = time.perf_counter()
    for _ in range(count):
        conn.request("POST", "/", body=body, headers={"Content-Type": "text/plain"})
        response = conn.getresponse()
        assert response.status == 200
        response.read()
    baseline = time.perf_counter() - start
    conn.close()

    profile_to = os.environ.get("MESSAGES_PROFILE")  # a file for cProfile's statistics
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    result = send_due()
    elapsed = time.perf_counter() - start
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    sent = Message.objects.filter(status="sent").count()
    assert sent == count, (result, sent)
    assert Message.objects.exclude(provider_id="").count() == count
    return {
        "messages": count,
        "vendor": connection.vendor,
        "build_s": round(built, 1),
        "worker_s": round(elapsed, 1),
        "messages_per_s": round(count / elapsed, 1),
        "baseline_s": round(baseline, 1),
        "baseline_requests_per_s": round(count / baseline, 1),
        "ratio_worker_to_baseline": round(elapsed / baseline, 2),
        "outcomes": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", nargs="*")
    args = parser.parse_args()
    if args.child is not None:
        count, port = (int(x) for x in args.child)
        print(json.dumps(measure(count, port)))
        return
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "src"], capture_output=True, text=True
        ).stdout.strip()
    )
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    port = ports.get(timeout=10)
    results = {
        "commit": commit + ("+uncommitted" if dirty else ""),
        "messages": args.messages,
        "target_per_s": TARGET_PER_SECOND,
        "load_average_before": [round(x, 1) for x in os.getloadavg()],
        "databases": {},
    }
    try:
        for database in args.databases.split(","):
            env = fresh_database(database, PG_DB)
            results["databases"][database] = run_child(
                __file__, [str(args.messages), str(port)], env
            )
            print(database, results["databases"][database], flush=True)
    finally:
        server.terminate()
    results["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "messages.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [
        "# Outbox worker: messages per second",
        "",
        f"One worker (`send_due`, one process) sends {args.messages:,} queued marketing SMS, "
        "each to a customer with a recorded SMS consent (consent, blacklist, number and "
        "contact cap checked after the claim), through the real `AliyunSmsBackend` (signed "
        "requests, kept-alive connection) to a local fake of Aliyun's HTTP API in another "
        "process. Baseline, same run and process: as many plain POSTs of a signed body to "
        "the same fake over one kept-alive `http.client` connection. Target: "
        f"≥ {TARGET_PER_SECOND} messages per second. Commit measured: `{results['commit']}`. "
        "2 shared cores; load average (1, 5, 15 min) before: "
        f"{results['load_average_before']}, after: {results['load_average_after']}.",
        "",
        "| database | worker (s) | messages / s | baseline (s) | requests / s | "
        "worker ÷ baseline time | target met |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for database, r in results["databases"].items():
        lines.append(
            f"| {database} | {r['worker_s']} | {r['messages_per_s']} | {r['baseline_s']} | "
            f"{r['baseline_requests_per_s']} | {r['ratio_worker_to_baseline']} | "
            f"{'yes' if r['messages_per_s'] >= TARGET_PER_SECOND else 'no'} |"
        )
    (RESULTS / "messages.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
