"""The query planner's statistics. SQLite plans without any until ANALYZE runs, and then
may choose badly: the customer search by a phone's last four digits walked every customer
of the organization in code order (3 ms at 12,000 customers, growing with them) instead of
probing the two indexes (0.06 ms). PostgreSQL's autovacuum keeps its own, but only a while
after a bulk load, and not at all where it is turned off: a demo database measured right
after it was built had none, and the customer page's order lines were joined to every
order of the organization (a sort of 90,000 orders, 30-45 ms of the server's CPU a page,
against 0.5 ms with statistics)."""

from django.db import connection


def refresh_statistics() -> bool:
    """ANALYZE (a second or so on a large SQLite database; it writes only the statistics;
    PostgreSQL samples each table). Returns whether it ran."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
