"""Child process for Arrow reads from SQLite: `python arrow_read.py DB_PATH QUERY OUT`.

The ADBC SQLite driver carries its own copy of SQLite. Two copies of SQLite in one
process break each other's POSIX file locks (closing one copy's file releases the
other's locks: https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked
into the same application"), which can corrupt a database shared with the web server
and the worker. So the driver runs here, alone in its process, and hands the result
back as an Arrow IPC file. No Django import: the child starts in a fraction of a second.
"""

import sys

import polars as pl
from adbc_driver_sqlite import dbapi


def main(path: str, query: str, out: str) -> None:
    with dbapi.connect(f"file:{path}?mode=ro") as conn, conn.cursor() as cursor:
        cursor.execute(query)
        pl.DataFrame(cursor.fetch_arrow()).write_ipc(out, compression="uncompressed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
