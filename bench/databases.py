"""Throwaway databases for the benchmarks, and running a benchmark step in a child
process against one (so that each step's peak memory is its own)."""

import json
import os
import subprocess
import sys
import tempfile

PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def fresh_database(database: str, pg_name: str) -> dict:
    """Environment for a child process: a new SQLite file, or PostgreSQL database
    `pg_name` dropped and created again; local state in a new temporary folder."""
    env = dict(os.environ)
    tmp = tempfile.mkdtemp(prefix="revisit-bench-")
    env["REVISIT_VAR"] = tmp
    if database == "postgres":
        import psycopg

        with psycopg.connect(
            PG_SERVER.replace("postgres://", "postgresql://") + "/postgres", autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")
            conn.execute(f"CREATE DATABASE {pg_name}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{pg_name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    return env


def run_child(script: str, step: list[str], env: dict) -> dict:
    """Run `script --child STEP…` and return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, script, "--child", *step],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
