"""The planner's statistics: the demo leaves them, and the worker refreshes them nightly
(PostgreSQL's autovacuum keeps its own, but only a while after a bulk load, and not at
all where it is turned off)."""

import pytest
from django.db import connection

from revisit.core.statistics import refresh_statistics
from revisit.core.tasks import nightly_statistics

pytestmark = pytest.mark.django_db


def analyzed_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'")
        else:
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def test_the_statistics_cover_the_customers(demo):
    assert refresh_statistics() is True
    assert "customers_customer" in analyzed_tables()


def test_the_nightly_task_refreshes_them():
    assert nightly_statistics.call_local() is True
