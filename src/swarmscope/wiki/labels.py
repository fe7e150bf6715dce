"""The ``labels`` table: ground truth about accounts, kept apart from the actions.

Some datasets say which accounts are sockpuppets (WikiSocks' ``sock`` column). Such a label is
what an investigation wants to *find*, so it must never reach the actions (not as a column, not
in ``extra``): detection reads actions only, and evaluation compares its findings with this
table. One row per (platform, account, label, group, source):

- ``label``: e.g. ``sock`` or ``non_sock``;
- ``group_name``: what the label is relative to (the sockmaster of a sockpuppet investigation);
- ``source``: where the label comes from (``wikisocks:<file name>``).

Example::

    >>> import swarmscope, tempfile, pathlib, pyarrow as pa
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> rows = pa.table({"platform": ["wikipedia"], "account": ["Goat boy doyle"],
    ...                  "label": ["sock"], "group_name": ["Goat boy doyle"],
    ...                  "source": ["wikisocks:example.csv"]}, schema=LABELS_SCHEMA)
    >>> add_labels(case, rows), add_labels(case, rows)
    (1, 0)
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..case import Case
from ..engine import sql_list

TABLE = "labels"

LABELS_SCHEMA = pa.schema([
    ("platform", pa.string()), ("account", pa.string()), ("label", pa.string()),
    ("group_name", pa.string()), ("source", pa.string()),
])


def add_labels(case: Case, rows: pa.Table) -> int:
    """Add ``rows`` (of :data:`LABELS_SCHEMA`) to the ``labels`` table; returns how many were
    new. Rows already present are not repeated."""
    rows = rows.cast(LABELS_SCHEMA)
    con = duckdb.connect()
    con.register("new_rows", rows)
    cols = ", ".join(f'"{f.name}"' for f in LABELS_SCHEMA)
    with case.transaction() as txn:
        parts = case.parts(TABLE)
        old = (f"SELECT {cols} FROM read_parquet({sql_list(parts)})" if parts  # noqa: S608
               else f"SELECT {cols} FROM new_rows WHERE false")  # noqa: S608
        merged = con.sql(f"SELECT DISTINCT {cols} FROM ({old} UNION ALL "  # noqa: S608
                         f"SELECT {cols} FROM new_rows) ORDER BY {cols}").to_arrow_table()
        before = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        added = merged.num_rows - before
        if added:
            out = txn.stage_path(f"{TABLE}.parquet")
            pq.write_table(merged.cast(LABELS_SCHEMA), out, compression="zstd")
            txn.replace_table(TABLE, [out])
    return added
