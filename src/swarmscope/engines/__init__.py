"""Execution engines: where the relational core of the signals runs.

Signals write their heavy steps (behaviour projection, co-action join, pair statistics, null-model
profiles) once, as SQL in DuckDB's dialect, and hand each statement to an :class:`Engine`:

- :class:`~swarmscope.engines.duckdb_engine.DuckDBEngine` (default) runs it in-process;
- :class:`~swarmscope.engines.spark_engine.SparkEngine` transpiles it to Spark SQL with SQLGlot
  and runs it on a Spark cluster (or local mode), for cases that outgrow one machine.

There is no second copy of any algorithm: the engines only differ in how a statement is executed
and how tables are materialised. Small results (tested pairs, clusters) come back to the driver
as Arrow tables, where p-values, multiple-testing correction and graph clustering run.

Choose with ``engine=`` in the Python API, ``--engine`` on the command line, or the
``SWARMSCOPE_ENGINE`` environment variable.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import pyarrow as pa

from ..case import Case
from ..errors import UsageError

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    """What a signal needs from an engine (statements in DuckDB's SQL dialect)."""

    name: str

    def create_table(self, name: str, query: str) -> None:
        """Materialise ``query`` as temporary table ``name`` (replacing one of that name)."""

    def create_view(self, name: str, query: str) -> None:
        """Define temporary view ``name`` (replacing one of that name)."""

    def table(self, query: str) -> pa.Table:
        """Run ``query`` and return its rows to the driver."""

    def scalar(self, query: str) -> Any:
        """First column of the first row of ``query``."""

    def register(self, name: str, table: pa.Table) -> None:
        """Make a driver-side Arrow table queryable as ``name``."""

    def drop(self, *names: str) -> None:
        """Drop temporary tables or views (missing ones are ignored)."""


def open_engine(case: Case, engine: str | None = None, spark: Any = None,
                spark_master: str | None = None) -> Engine:
    """An engine with the case's tables as views (``actions``, ...).

    ``engine`` defaults to ``$SWARMSCOPE_ENGINE`` or ``duckdb``. For Spark, pass an existing
    ``SparkSession`` as ``spark`` or a master URL (``local[2]``, ``spark://host:7077``, ``yarn``).
    """
    name = (engine or os.environ.get("SWARMSCOPE_ENGINE") or "duckdb").lower()
    if name == "duckdb":
        from .duckdb_engine import DuckDBEngine

        return DuckDBEngine(case.connect())
    if name == "spark":
        from .spark_engine import SparkEngine

        return SparkEngine.for_case(case, spark=spark, master=spark_master)
    raise UsageError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
