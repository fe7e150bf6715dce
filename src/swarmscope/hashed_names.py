"""Hashed names: 64-bit integers stored at ingest that stand for account and object names.

Co-action joins compare the names of accounts and objects hundreds of thousands of times; on
integers instead of strings DuckDB's hash join and aggregations run about twice as fast
(``benchmarks/RESULTS.md``). So ingest stores, for every action, integers for the names the
id-based behaviours join on:

==============  ==============================================================================
account_hash    the ``account``
shared_hash     what a repost or quote acts on (:data:`SHARED_OBJECT_SQL`:
                ``platform:repost_of``, or ``text:<text_key>`` for a repost without an id),
                the object of the ``repost``, ``quote`` and ``share`` behaviours
parent_hash     what a reply or comment answers, ``platform:parent_id``
                (:data:`PARENT_OBJECT_SQL`), the object of ``reply``
==============  ==============================================================================

Each integer is DuckDB's 64-bit ``hash()`` of the name, shifted to 63 bits.

**Exact, not probable.** A hash is not one-to-one, and names are written by the people under
investigation: two names crafted to share a hash would merge two accounts. So each ingest also
adds every name it hashed, once, to the case's table of account names (``account_names``:
``hash, name``) or of object names (``object_names``), and checks that no hash stands for two
names of one table, among the new names and against those already in the case;
and it checks that DuckDB still hashes as it did when the case began (:data:`PROBE_NAMES`), so
that one name never gets two hashes. The case records the outcome
(:func:`hashes_exact`): when a collision turns up, or the case holds actions ingested before
hashes existed, it is false for good and signals join on the names themselves, slower and with
the same result. Signals map account hashes back to names through ``account_names``; two
tables, so that this reads the accounts' names only.

Example::

    >>> import duckdb
    >>> con = duckdb.connect()
    >>> con.sql(f"SELECT {hash_sql(\"'ann'\")} = {hash_sql(\"'ann'\")}").fetchone()[0]
    True
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

#: The object of the share behaviours, as SQL over the actions table's columns (NULL for the
#: other kinds, so that only reposts and quotes add names).
SHARED_OBJECT_SQL = ("CASE WHEN kind IN ('repost', 'quote') AND repost_of IS NOT NULL "
                     "THEN platform || ':' || repost_of "
                     "WHEN kind = 'repost' THEN 'text:' || text_key END")
#: The object of the reply behaviour (NULL for the other kinds: a wiki edit's parent revision
#: is not an object anything joins on).
PARENT_OBJECT_SQL = "CASE WHEN kind IN ('reply', 'comment') THEN platform || ':' || parent_id END"

#: hash column -> SQL of the name it hashes (NULL where the row has no such name)
HASHED_NAMES: dict[str, str] = {
    "account_hash": "account",
    "shared_hash": SHARED_OBJECT_SQL,
    "parent_hash": PARENT_OBJECT_SQL,
}

#: Names whose hashes the case records at its first ingest; a later ingest whose DuckDB hashes
#: any of them differently would give one name two hashes, so it ends the case's exact hashes.
PROBE_NAMES = ("", "a", "swarmscope", "twitter:1234567890123456789", "text:" + "0" * 32)

#: The tables of names (one row per distinct hashed name) and the hash columns each holds:
#: hashes are compared only within a table (accounts with accounts, objects with objects).
ACCOUNT_NAMES = "account_names"
OBJECT_NAMES = "object_names"
NAME_TABLES: dict[str, tuple[str, ...]] = {
    ACCOUNT_NAMES: ("account_hash",),
    OBJECT_NAMES: ("shared_hash", "parent_hash"),
}


def hash_sql(name_sql: str) -> str:
    """SQL of the stored hash of the name ``name_sql`` (NULL for a NULL name).

    63 bits, so that it is a signed BIGINT, which every engine and Parquet reader handles."""
    return f"CASE WHEN ({name_sql}) IS NOT NULL THEN CAST(hash({name_sql}) >> 1 AS BIGINT) END"


def hash_names(con: Any, names: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Table]:
    """The stored hash of each of ``names`` (NULL for NULL), and the distinct ``(hash, name)``
    among them. Each distinct name is hashed once (``con``: a one-thread DuckDB connection):
    names repeat a lot within a batch, and DuckDB's DISTINCT on long strings cost more than
    Arrow's dictionary encoding."""
    if isinstance(names, pa.ChunkedArray):
        names = names.combine_chunks()
    encoded = pc.dictionary_encode(names)
    uniques = pa.table({"name": encoded.dictionary})  # noqa: F841 - scanned by duckdb by name
    hashed = con.sql(f"SELECT name, {hash_sql('name')} AS hash FROM uniques").to_arrow_table()
    # one thread keeps the scan's order; the names confirm it
    if not hashed.column("name").combine_chunks().equals(encoded.dictionary):
        raise RuntimeError("internal error: hashed names are not in the order given")
    hashes = hashed.column("hash").combine_chunks()
    return (pc.take(hashes, encoded.indices),
            pa.table({"hash": hashes, "name": encoded.dictionary}))


def probe(con: Any) -> list[int]:
    """The hashes of :data:`PROBE_NAMES` under this DuckDB (``con`` a DuckDB connection)."""
    values = ", ".join("(" + str(i) + ", '" + n + "')" for i, n in enumerate(PROBE_NAMES))
    rows = con.execute(f"SELECT {hash_sql('n')} FROM (VALUES {values}) AS p(i, n) "
                       "ORDER BY i").fetchall()
    return [int(r[0]) for r in rows]


def hashes_exact(manifest: dict[str, Any]) -> bool:
    """Whether the hash columns of the case's actions stand one-to-one for names (see the
    module docstring); ``manifest`` is :attr:`swarmscope.case.Case.manifest`."""
    return bool(manifest.get("tables", {}).get("actions", {}).get("hashes_exact", False))
