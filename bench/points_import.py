"""Points on an order import, set-based against one `ledger.post` per line.

A 100,000-line CSV (the import benchmark's generator: ~30,000 orders, ~10,000 new
customers, some refunds) is imported with the points program off; then, timed:

- `post_order_points` (what the import's hook runs): every line's earn or refund entry
  (key `line:<id>`), one bulk insert, one balance update, temporary cards issued and
  formal members promoted with their day-5 contact;
- the same call again (nothing left to post: the idempotency check alone);
- re-importing the file (the orders exist: no line, no points);
- `expire_points` on a date after every lot's expiry (one expire entry per account);
- the per-line alternative: `ledger.post` for each of the first N lines of another
  organization's copy (N = 5,000 by default), extrapolated to all lines.

  .venv/bin/python bench/points_import.py [--lines 100000] [--per-line 5000]
      [--databases sqlite,postgres]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from databases import fresh_database, run_child  # noqa: E402
from import_orders import make_files  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PG_DB = "wt_wpoints_bench"


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()
    from django.core.management import call_command

    from revisit.core.models import Organization

    call_command("migrate", verbosity=0)
    return Organization.objects.create(code="bench", name="bench")


def child(path: str, per_line: int) -> dict:
    org = _setup()
    from django.db import connection, transaction

    from revisit.core.models import Organization
    from revisit.customers.models import Customer
    from revisit.imports.services import import_orders
    from revisit.sales.models import OrderLine
    from revisit.wallet.ledger import Reference, post
    from revisit.wallet.models import Account, Entry, EntryKind, ReferenceType
    from revisit.wallet.points import points_settings, post_order_points
    from revisit.wallet.points_models import MembershipCard
    from revisit.wallet.redemption import expire_points

    out = {"database": connection.vendor}
    import_orders(org, path)
    out["lines"] = OrderLine.objects.filter(organization=org).count()
    settings = points_settings(org)
    settings.enabled = True
    settings.save()
    start = time.perf_counter()
    out["entries"] = post_order_points(org)
    out["post_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    again = post_order_points(org)
    out["post_again_s"] = round(time.perf_counter() - start, 2)
    assert again == 0
    start = time.perf_counter()
    import_orders(org, path)
    out["reimport_s"] = round(time.perf_counter() - start, 2)
    assert Entry.objects.filter(organization=org).count() == out["entries"]
    out["accounts"] = Account.objects.filter(organization=org).count()
    out["formal_members"] = MembershipCard.objects.filter(organization=org, status="formal").count()
    # The ledger's invariant on every account: balance = sum of entries.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM wallet_account a WHERE a.organization_id = %s AND a.balance <> "
            "(SELECT COALESCE(SUM(e.amount), 0) FROM wallet_entry e WHERE e.account_id = a.id)",
            [org.pk],
        )
        out["balance_mismatches"] = cursor.fetchone()[0]
    start = time.perf_counter()
    out["expired_accounts"] = expire_points(org, on=date(2100, 1, 1))
    out["expire_s"] = round(time.perf_counter() - start, 2)
    # The per-line way: one locked post per line (another organization, copies of the customers).
    other = Organization.objects.create(code="bench2", name="bench2")
    lines = list(
        OrderLine.objects.filter(organization=org, amount__gt=0)
        .select_related("customer")
        .order_by("pk")[:per_line]
    )
    # A customer has one points account: the other organization gets copies of them
    # (made untimed).
    copies = {
        c.code: c
        for c in Customer.objects.bulk_create(
            Customer(organization=other, code=code, name=name)
            for code, name in {(line.customer.code, line.customer.name) for line in lines}
        )
    }
    accounts = {}
    start = time.perf_counter()
    for line in lines:
        customer = copies[line.customer.code]
        account = accounts.get(customer.pk)
        if account is None:
            with transaction.atomic():
                account = Account.objects.create(
                    organization=other,
                    customer=customer,
                    kind="points",
                    opened_at=line.order.created_at,
                )
            accounts[customer.pk] = account
        post(
            account,
            int(line.amount),
            kind=EntryKind.EARN,
            actor=None,
            reference=Reference(ReferenceType.ORDER_LINE, str(line.pk)),
            idempotency_key=f"bench:{line.pk}",
        )
    per = (time.perf_counter() - start) / max(1, len(lines))
    out["per_line_sample"] = len(lines)
    out["per_line_ms"] = round(per * 1000, 3)
    out["per_line_extrapolated_s"] = round(per * out["lines"], 1)
    out["ratio"] = round(out["per_line_extrapolated_s"] / max(out["post_s"], 0.01), 1)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs="*")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--per-line", type=int, default=5000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    folder = Path(tempfile.mkdtemp(prefix="revisit-points-"))
    path = make_files(args.lines, folder)
    results = []
    for database in args.databases.split(","):
        env = fresh_database(database, PG_DB)
        results.append(run_child(__file__, [str(path), str(args.per_line)], env))
        print(results[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=RESULTS
    ).stdout.strip()
    record = {"measured": stamp, "commit": commit, "lines": args.lines, "results": results}
    (RESULTS / "points_import.json").write_text(json.dumps(record, indent=2))
    (RESULTS / "points_import.md").write_text(report(record, load=os.getloadavg()))


def report(record: dict, load: tuple) -> str:
    lines = [
        "# Points on an order import",
        "",
        f"Measured {record['measured']} on commit {record['commit']}, "
        f"`python bench/points_import.py`, load average (1, 5, 15 min) at the end "
        f"{', '.join(f'{x:.1f}' for x in load)} on 2 cores. A {record['lines']:,}-line CSV "
        "imported with the points program off; then `post_order_points` (the import's hook: "
        "every line's earn or refund entry in one bulk insert), the same call again, a "
        "re-import, `expire_points` after every lot's expiry, and the per-line alternative "
        "(one locked `ledger.post` per line, on a sample, extrapolated to every line).",
        "",
        "| database | lines | entries | post (s) | again (s) | re-import (s) | expire (s) "
        "| per line (ms) | per line, all lines (s) | per line ÷ post | balance mismatches |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in record["results"]:
        lines.append(
            f"| {r['database']} | {r['lines']:,} | {r['entries']:,} | {r['post_s']} | "
            f"{r['post_again_s']} | {r['reimport_s']} | {r['expire_s']} | {r['per_line_ms']} | "
            f"{r['per_line_extrapolated_s']} | {r['ratio']}× | {r['balance_mismatches']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
