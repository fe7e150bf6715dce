"""The embedded DuckDB engine: one place that opens connections with safe resource limits.

Every connection swarmscope opens sets a memory limit, a temporary directory and a cap on spill
size: an unbounded co-action join on viral data can otherwise fill the disk (measured: over 200 GB
of spill for 50M actions without a cap). All limits are overridable through environment variables
so a user can give a large job more room without code changes:

- ``SWARMSCOPE_MEMORY_LIMIT`` (default: 60% of physical memory, e.g. ``"12GB"``)
- ``SWARMSCOPE_THREADS`` (default: DuckDB's choice, all cores)
- ``SWARMSCOPE_MAX_TEMP`` (default ``"50GB"``)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pyarrow as pa


def _default_memory_limit() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
        gb = max(1, int(pages * size * 0.6 / 2**30))
        return f"{gb}GB"
    except (ValueError, OSError, AttributeError):
        return "4GB"


def connect(database: str | Path = ":memory:", temp_dir: Path | None = None,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection with swarmscope's resource limits and UTC session time zone."""
    con = duckdb.connect(str(database), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{os.environ.get('SWARMSCOPE_MEMORY_LIMIT', _default_memory_limit())}'")
    threads = os.environ.get("SWARMSCOPE_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{_sql_str(str(temp_dir))}'")
    con.execute(f"SET max_temp_directory_size = '{os.environ.get('SWARMSCOPE_MAX_TEMP', '50GB')}'")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB's own progress bar would write into our stdout; swarmscope reports progress itself.
    con.execute("SET enable_progress_bar = false")
    return con


#: What DuckDB's ``trim()`` removes from both ends of a value: the Unicode space separators
#: (category Zs, the same set as RE2's ``\p{Zs}``; not tabs or line breaks).
SPACE_SEPARATORS = ("\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                    "\u2008\u2009\u200a\u202f\u205f\u3000")


def trim_sql(x: str) -> str:
    """SQL giving ``trim(x)``, cheaper for long values.

    DuckDB's trim decodes every character of a value to find where its end is (a fifth of the
    work of some ingests); regexes anchored at one end read only that end, so the values
    without a space separator at either end (almost all) skip it. ``x`` is read several times:
    give a column, not an expression.
    """
    return (f"CASE WHEN regexp_matches({x}, '^\\p{{Zs}}') OR regexp_matches({x}, '\\p{{Zs}}$') "
            f"THEN trim({x}) ELSE {x} END")


class BatchQueries:
    """SELECTs over a series of Arrow tables on one connection, each SQL text bound once.

    ``con.sql(text).to_arrow_table()`` binds a statement twice: once to describe the relation,
    and again to run it. For the mapping statements of an ingest, which are long (regexes,
    lambdas, nested steps) and run once per batch, that first bind was a third of the fixed
    cost of each batch. Here the relation is made once per SQL text, over a view name that each
    call points at the new table, and only run for every batch. Not thread-safe: one per
    connection (cursor) and thread.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        self.con = con
        self._name = name
        self._relations: dict[tuple[str, pa.Schema], duckdb.DuckDBPyRelation] = {}

    def run(self, sql: str, table: pa.Table) -> pa.Table:
        """The result of ``sql`` (which reads ``table`` by the name given) as an Arrow table."""
        self.con.register(self._name, table)
        try:
            # the relation's output types were bound for the input's types
            key = (sql, table.schema)
            relation = self._relations.get(key)
            if relation is None:
                relation = self._relations[key] = self.con.sql(sql)
            return relation.to_arrow_table()
        finally:
            # the connection would otherwise hold the table until the next batch replaces it
            self.con.unregister(self._name)


class WorkerQueries:
    """One DuckDB database for a pool of worker threads, each with a cursor of its own (a
    connection is not shared between threads) and its :class:`BatchQueries`.

    A database costs tens of milliseconds to open, a cursor nothing. Queries run on one DuckDB
    thread: the workers and the pipeline's other stages share the cores, and a single thread
    keeps the rows in the order of the batch.
    """

    def __init__(self, name: str) -> None:
        self._db = duckdb.connect(config={"threads": 1})
        self._name = name
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []

    def get(self) -> BatchQueries:
        """The calling thread's queries (made at its first call)."""
        queries = getattr(self._local, "queries", None)
        if queries is None:
            con = self._db.cursor()
            con.execute("SET TimeZone='UTC'")
            self._cursors.append(con)
            queries = self._local.queries = BatchQueries(con, self._name)
        return queries

    def close(self) -> None:
        """Close the cursors and the database (after the workers have finished)."""
        for con in reversed(self._cursors):
            con.close()
        self._db.close()


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def sql_literal(s: str) -> str:
    """Quote ``s`` as a SQL string literal."""
    return "'" + _sql_str(s) + "'"


def sql_list(paths: list[str] | list[Path]) -> str:
    """A SQL list literal of file paths, for ``read_parquet([...])``."""
    return "[" + ", ".join(sql_literal(str(p)) for p in paths) + "]"
