"""Child process for Arrow reads from SQLite:
`python arrow_read.py DB_PATH OUT_FOLDER QUERY [QUERY …]` writes OUT_FOLDER/0.arrow, 1.arrow….

The ADBC SQLite driver carries its own copy of SQLite. Two copies of SQLite in one
process break each other's POSIX file locks (closing one copy's file releases the
other's locks: https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked
into the same application"), which can corrupt a database shared with the web server
and the worker. So the driver runs here, alone in its process, and hands the result
back as Arrow IPC files. No Django, and the driver manager's low-level API rather than
its DB-API module (which imports pyarrow): the child starts in about 0.3 s of CPU.

The queries run in one read transaction: they see the same snapshot of the database
(WAL mode), so customers and their order lines read together agree.
"""

import sys
from pathlib import Path

import adbc_driver_manager
import adbc_driver_sqlite
import polars as pl


def main(path: str, out: str, queries: list[str]) -> None:
    with (
        adbc_driver_sqlite.connect(f"file:{path}?mode=ro") as database,
        adbc_driver_manager.AdbcConnection(database) as connection,
    ):
        connection.set_autocommit(False)  # one transaction for every query
        for number, query in enumerate(queries):
            with adbc_driver_manager.AdbcStatement(connection) as statement:
                statement.set_sql_query(query)
                stream, _ = statement.execute_query()
                frame = pl.DataFrame(stream)
            frame.write_ipc(Path(out) / f"{number}.arrow", compression="uncompressed")
        connection.rollback()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
