"""Helpers shared by the temporal signals: group membership, SQL expressions, registration."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..case import Case


#: SQL of the UTC half-hour-of-week bin (0 = Monday 00:00-00:30) of a timestamp expression.
def halfhour_bin_sql(ts: str) -> str:
    return (f"((isodow({ts}) - 1) * 48 + hour({ts}) * 2 "
            f"+ CASE WHEN minute({ts}) >= 30 THEN 1 ELSE 0 END)")


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """Register Arrow tables by name for the duration of a block (data never enters SQL text)."""
    for name, tbl in tables.items():
        con.register(name, tbl)
    try:
        yield
    finally:
        for name in tables:
            with contextlib.suppress(Exception):
                con.unregister(name)


def empty_membership() -> pa.Table:
    return pa.table({"cluster": pa.array([], pa.string()), "account": pa.array([], pa.string())})


def membership_table(groups: Mapping[str, list[str]] | pa.Table | None) -> pa.Table:
    """``(cluster, account)`` rows, cluster ids as strings, from a mapping or a table."""
    if groups is None:
        return empty_membership()
    if isinstance(groups, pa.Table):
        return pa.table({"cluster": groups.column("cluster").cast(pa.string()),
                         "account": groups.column("account").cast(pa.string())})
    cl, acc = [], []
    for g, members in groups.items():
        for a in members:
            cl.append(str(g))
            acc.append(str(a))
    return pa.table({"cluster": pa.array(cl, pa.string()), "account": pa.array(acc, pa.string())})


def case_clusters(case: Case) -> pa.Table:
    """Membership of the co-action clusters in ``results/clusters.parquet`` (empty if none)."""
    path = case.result_path("clusters.parquet")
    if path is None or not path.exists():
        return empty_membership()
    tbl = pq.read_table(path, columns=["cluster", "members"])
    rows = tbl.to_pydict()
    return membership_table({str(c): list(m or []) for c, m in
                             zip(rows["cluster"], rows["members"], strict=True)})
