"""The Apache Spark engine: the same signal SQL, transpiled to Spark SQL with SQLGlot.

Statements are written once in DuckDB's dialect. :meth:`SparkEngine.translate` parses each with
SQLGlot, maps the few functions the two engines name differently (``epoch_us`` ->
``unix_micros``, ``make_timestamptz`` -> ``timestamp_micros``, ``quantile_cont(x, q)`` ->
``percentile(x, q)``), and generates Spark SQL.
Temporary tables are locally checkpointed DataFrames (materialised, lineage cut) registered
as temporary views.

The case's tables are read from their Parquet parts, which may live on any Hadoop-compatible
file system. The session time zone is set to UTC so timestamps mean the same on both engines.
See ``docs/scale-out.md`` for cluster use.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..case import Case
from ..errors import UsageError

_RENAMES = {"EPOCH_US": "UNIX_MICROS", "MAKE_TIMESTAMPTZ": "TIMESTAMP_MICROS"}


class SparkEngine:
    """Runs signal SQL on a ``SparkSession``."""

    name = "spark"

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self._cached: dict[str, Any] = {}

    @classmethod
    def for_case(cls, case: Case, spark: Any = None, master: str | None = None) -> SparkEngine:
        if spark is None:
            spark = local_session(master or "local[*]")
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        engine = cls(spark)
        for table in ["actions", *[t for t in case.tables() if t != "actions"]]:
            parts = [str(p) for p in case.parts(table)]
            if parts:
                spark.read.parquet(*parts).createOrReplaceTempView(table)
            elif table == "actions":
                from ..schema import ACTIONS_SCHEMA

                engine.register("actions", ACTIONS_SCHEMA.empty_table())
        return engine

    @staticmethod
    def translate(query: str) -> str:
        """DuckDB SQL -> Spark SQL."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(query, read="duckdb")

        def rename(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Anonymous) and node.name.upper() in _RENAMES:
                return exp.Anonymous(this=_RENAMES[node.name.upper()], expressions=node.expressions)
            if isinstance(node, exp.PercentileCont) and node.expression is not None:
                # DuckDB quantile_cont(x, q) = Spark's exact, interpolating percentile(x, q)
                return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
            return node

        return tree.transform(rename).sql(dialect="spark")

    def _df(self, query: str) -> Any:
        return self.spark.sql(self.translate(query))

    def create_table(self, name: str, query: str) -> None:
        self.drop(name)
        # Materialised now, with its lineage cut: a cached view keeps the whole plan it came
        # from, and signals that read their own tables twice per step (the peer modes) made
        # the plans grow exponentially until the driver ran out of memory. Local checkpoints
        # live in the executors' block managers (docs/scale-out.md).
        df = self._df(query).localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        self._cached[name] = df

    def create_view(self, name: str, query: str) -> None:
        self._df(query).createOrReplaceTempView(name)

    def table(self, query: str) -> pa.Table:
        df = self._df(query)
        if hasattr(df, "toArrow"):
            return df.toArrow()
        return pa.Table.from_pandas(df.toPandas(), preserve_index=False)

    def scalar(self, query: str) -> Any:
        rows = self._df(query).take(1)
        return rows[0][0] if rows else None

    def register(self, name: str, table: pa.Table) -> None:
        # Spark has no zero-copy Arrow import in every version: go through pandas, keeping
        # timestamps in UTC.
        pdf = table.to_pandas()
        if table.num_rows == 0:
            from pyspark.sql.pandas.types import from_arrow_schema

            df = self.spark.createDataFrame([], from_arrow_schema(table.schema))
        else:
            df = self.spark.createDataFrame(pdf)
        df.createOrReplaceTempView(name)

    def drop(self, *names: str) -> None:
        for n in names:
            df = self._cached.pop(n, None)
            if df is not None:
                df.unpersist()
            self.spark.catalog.dropTempView(n)


def local_session(master: str = "local[*]") -> Any:
    """A Spark session for local mode or a given master, with UTC and Arrow transfer on."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError("the Spark engine needs PySpark: pip install 'swarmscope[spark]' "
                         "(and a Java runtime)") from exc
    return (SparkSession.builder.master(master).appName("swarmscope")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate())
