"""Child process for Arrow reads from SQLite: `python arrow_read.py DB_PATH QUERY OUT`.

The ADBC SQLite driver carries its own copy of SQLite. Two copies of SQLite in one
process break each other's POSIX file locks (closing one copy's file releases the
other's locks: https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked
into the same application"), which can corrupt a database shared with the web server
and the worker. So the driver runs here, alone in its process, and hands the result
back as an Arrow IPC file. No Django, and the driver manager's low-level API rather than
its DB-API module (which imports pyarrow): the child starts in about 0.3 s of CPU.
"""

import sys

import adbc_driver_manager
import adbc_driver_sqlite
import polars as pl


def main(path: str, query: str, out: str) -> None:
    with (
        adbc_driver_sqlite.connect(f"file:{path}?mode=ro") as database,
        adbc_driver_manager.AdbcConnection(database) as connection,
        adbc_driver_manager.AdbcStatement(connection) as statement,
    ):
        statement.set_sql_query(query)
        stream, _ = statement.execute_query()
        pl.DataFrame(stream).write_ipc(out, compression="uncompressed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
