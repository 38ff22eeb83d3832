"""The query planner's statistics. PostgreSQL's autovacuum keeps its own; SQLite plans
without any until ANALYZE runs, and then may choose badly: the customer search by a
phone's last four digits walked every customer of the organization in code order (3 ms
at 12,000 customers, growing with them) instead of probing the two indexes (0.06 ms)."""

from django.db import connection


def refresh_statistics() -> bool:
    """ANALYZE on SQLite (a second or so on a large database; it writes only the small
    statistics table). Returns whether it ran."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
