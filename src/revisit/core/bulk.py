"""Fast bulk writes of plain rows: COPY on PostgreSQL, executemany elsewhere.

Used where a service writes hundreds of thousands of rows at once (grades of an
inventory); the ORM's bulk_create spends most of its time building model instances.
"""

from collections.abc import Iterable, Sequence

from django.db import connection


def insert_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], *, batch: int = 50_000
) -> int:
    """Insert `rows` (tuples in `columns` order) into `table`; return how many.

    Must run inside the caller's transaction; nothing is committed here.
    """
    quoted_table = connection.ops.quote_name(table)
    quoted_cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {quoted_table} ({quoted_cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quoted_table} ({quoted_cols}) VALUES ({placeholders})"
        chunk: list[Sequence] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count
