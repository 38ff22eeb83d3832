"""Customer search on 1,000,000 customers: response times of the customers page.

Builds a throwaway organization (3 stores, 30 owners, realistic names and mobiles, last
visits, tags, one inventory's grades) straight into a fresh database, then requests the
customers page through Django's test client, in-process, as an admin and as a store
manager (scoped), for a mix of searches and filters. Baseline, measured in the same run:
the unfiltered first page. Results go to bench/results/search.{md,json}.

  .venv/bin/python bench/search.py [--customers 1000000] [--databases sqlite,postgres]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from databases import PG_SERVER, fresh_database, run_child  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PG_DB = "revisit_bench_search"
REPEATS = 30  # requests per query kind and user
TARGET_MS = 200


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    django.setup()


def build(customers: int, seed: int) -> dict:
    """Child process: migrate and fill the database."""
    _setup()
    from datetime import date, timedelta

    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    from revisit.core.bulk import insert_rows
    from revisit.core.models import Organization, Role, RoleAssignment, Staff, Store
    from revisit.customers.models import Customer, Tag
    from revisit.demo.people import GIVEN_FEMALE, MOBILE_PREFIXES, SURNAMES
    from revisit.grading.models import Grade, Inventory

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with transaction.atomic():
        org = Organization.objects.create(code="bench", name="bench")
        stores = [
            Store.objects.create(organization=org, code=f"S{i}", name=f"门店{i}") for i in range(3)
        ]
        owners = []
        for i in range(30):
            staff = Staff.objects.create_user(
                f"owner{i}", password="x-bench-123", organization=org, display_name=f"咨询{i}"
            )
            RoleAssignment.objects.create(staff=staff, role=Role.CONSULTANT, store=stores[i % 3])
            owners.append(staff)
        admin = Staff.objects.create_user("admin", password="x-bench-123", organization=org)
        RoleAssignment.objects.create(staff=admin, role=Role.ADMIN)
        manager = Staff.objects.create_user("manager", password="x-bench-123", organization=org)
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
    """Query kinds people use, with values taken from the data."""
    return {
        "baseline: first page, no filter": {},
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
        "page 20 of a segment": {"segment": "A2", "page": "20"},
    }


def measure() -> dict:
    """Child process: request the page for each query kind, as admin and as manager."""
    _setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from revisit.core.models import Organization, Staff
    from revisit.customers.models import Customer

    setup_test_environment()
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
    results = {}
    for username in ["admin", "manager"]:
        client = Client()
        client.force_login(Staff.objects.get(username=username))
        for kind, params in queries(sample).items():
            for _ in range(3):  # warm caches
                assert client.get("/customers/", params).status_code == 200
            times = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                response = client.get("/customers/", params)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            times.sort()
            results[f"{username}|{kind}"] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                "rows": len(response.context["customers"]),
            }
    return results


def run_one(database: str, customers: int, seed: int) -> dict:
    env = fresh_database(database, PG_DB)
    return {
        "database": database,
        "build": run_child(__file__, ["build", str(customers), str(seed)], env),
        "queries": run_child(__file__, ["measure"], env),
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        if sys.argv[2] == "build":
            print(json.dumps(build(int(sys.argv[3]), int(sys.argv[4]))))
        else:
            print(json.dumps(measure()))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--measure-again",
        action="store_true",
        help="PostgreSQL only: measure the database the last run built again, without a build",
    )
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    previous_file = RESULTS / "search.json"
    previous = json.loads(previous_file.read_text()) if previous_file.exists() else []
    if args.measure_again:
        env = dict(
            os.environ,
            DATABASE_URL=f"{PG_SERVER}/{PG_DB}",
            REVISIT_VAR=tempfile.mkdtemp(prefix="revisit-bench-"),
        )
        last = next(r for r in previous if r["database"] == "postgres")
        fresh = [{**last, "queries": run_child(__file__, ["measure"], env)}]
    else:
        fresh = [run_one(db, args.customers, args.seed) for db in args.databases.split(",")]
    ran = {r["database"] for r in fresh}
    results = [r for r in previous if r["database"] not in ran] + fresh
    results.sort(key=lambda r: r["database"] != "sqlite")
    (RESULTS / "search.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [
        "# Customer search",
        "",
        f"The customers page (search, filters, first page of 50 rows, rendered) on "
        f"{args.customers:,} customers, requested in-process through Django's test client, "
        f"{REPEATS} times per query after 3 warm-up requests. Target: p95 under "
        f"{TARGET_MS} ms. Baseline, measured in the same run: the unfiltered first page; "
        "the ratio is p95 / baseline p95. Machine: 2 cores.",
        "",
    ]
    for r in results:
        lines += [
            f"## {r['database']} (build {r['build']['build_seconds']} s)",
            "",
            "| user | query | p50 (ms) | p95 (ms) | × baseline | rows |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for key, q in r["queries"].items():
            user, kind = key.split("|")
            base = r["queries"][f"{user}|baseline: first page, no filter"]["p95_ms"]
            lines.append(
                f"| {user} | {kind} | {q['p50_ms']} | {q['p95_ms']} | "
                f"{q['p95_ms'] / base:.2f} | {q['rows']} |"
            )
        worst = max(q["p95_ms"] for q in r["queries"].values())
        lines += [
            "",
            f"Slowest p95: {worst} ms "
            f"({'meets' if worst < TARGET_MS else 'misses'} the {TARGET_MS} ms target).",
            "",
        ]
    (RESULTS / "search.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
