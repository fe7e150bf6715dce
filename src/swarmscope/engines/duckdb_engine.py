"""The in-process DuckDB engine (default)."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


class DuckDBEngine:
    """Runs signal SQL on a DuckDB connection (normally ``Case.connect()``)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def create_table(self, name: str, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")

    def create_view(self, name: str, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")

    def table(self, query: str) -> pa.Table:
        return self.con.sql(query).to_arrow_table()

    def scalar(self, query: str) -> Any:
        rows = self.con.execute(query).fetchall()
        return rows[0][0] if rows else None

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def drop(self, *names: str) -> None:
        for n in names:
            # IF EXISTS covers missing names; a view (or a registered Arrow table, which DuckDB
            # lists as a view) refuses DROP TABLE. Cheaper than asking the catalog first.
            try:
                self.con.execute(f"DROP TABLE IF EXISTS {n}")
            except duckdb.CatalogException:
                self.con.execute(f"DROP VIEW IF EXISTS {n}")
