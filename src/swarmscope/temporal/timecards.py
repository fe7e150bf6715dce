"""Timecards: weekday x hour activity histograms per account and per cluster.

A timecard counts actions in each of the 168 (weekday, hour) cells of the week. It is the
first thing to look at when judging whether an account keeps a person's hours (a sleep gap
that moves with the seasons, later weekend mornings), an office's (weekdays 09-18, quiet
weekends: the fingerprint of troll farms, Linvill & Warren 2020), or none (automation).

Two clocks:

- ``zone = 'utc'``: the weekday and hour of each action in UTC;
- ``zone = 'local'``: the same actions in the account's (or cluster's) inferred local time,
  ``UTC + utc_offset`` from :mod:`swarmscope.temporal.offsets`, or the named zone when a zone
  was fitted (``zone_name``, with each action's own date's offset, so daylight saving is
  followed). Rows with no determined offset have no local timecard.

Only non-empty cells are stored (``actions > 0``); a reader fills the rest with zeros.

Cluster timecards sum the actions of the cluster's members.

Parameters: ``membership`` (``cluster, account`` rows, e.g. from ``results/clusters.parquet``)
and ``offsets`` (the offsets table).

References: Linvill DL, Warren PL (2020) Troll factories: manufacturing specialized
disinformation on Twitter. Political Communication 37(4): 447-467.

Example::

    >>> import pyarrow as pa, duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("SET TimeZone = 'UTC'")
    >>> acts = pa.table({"account": ["a", "a"], "ts": pa.array([0, 3_600_000_000],
    ...                  pa.timestamp("us", tz="UTC"))})        # Thursday 00:00 and 01:00 UTC
    >>> con.register("actions", acts)  # doctest: +ELLIPSIS
    <...>
    >>> tc = timecards(con)
    >>> tc.select(["scope", "id", "zone", "weekday", "hour", "actions"]).to_pylist()[0]
    {'scope': 'account', 'id': 'a', 'zone': 'utc', 'weekday': 3, 'hour': 0, 'actions': 1}
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .common import membership_table, registered

SCHEMA = pa.schema([("scope", pa.string()), ("id", pa.string()), ("zone", pa.string()),
                    ("weekday", pa.int64()), ("hour", pa.int64()), ("actions", pa.int64())])


def _local_offsets(offsets: pa.Table | None) -> pa.Table:
    cols = {"scope": pa.array([], pa.string()), "id": pa.array([], pa.string()),
            "utc_offset": pa.array([], pa.float64()), "zone_name": pa.array([], pa.string())}
    if offsets is None or offsets.num_rows == 0:
        return pa.table(cols)
    sel = offsets.filter(pc.equal(offsets.column("status"), "ok"))
    zone = (sel.column("zone_name") if "zone_name" in sel.column_names
            else pa.nulls(sel.num_rows, pa.string()))
    return pa.table({"scope": sel.column("scope"), "id": sel.column("id"),
                     "utc_offset": sel.column("utc_offset"), "zone_name": zone})


def timecards(con: duckdb.DuckDBPyConnection, membership: pa.Table | None = None,
              offsets: pa.Table | None = None) -> pa.Table:
    """The timecards table (see the module docstring) for the ``actions`` view of ``con``."""
    membership = membership if membership is not None else membership_table(None)
    local = _local_offsets(offsets)
    # Local time: the named zone when one was fitted, else UTC + the fitted offset (minutes,
    # so half-hour zones land in the right hour).
    local_ts = ("CASE WHEN o.zone_name IS NOT NULL THEN timezone(o.zone_name, a.ts) "
                "ELSE CAST(a.ts AS TIMESTAMP) + to_minutes(CAST(round(o.utc_offset * 60) "
                "AS BIGINT)) END")
    with registered(con, tmp_tc_members=membership, tmp_tc_offsets=local):
        tbl = con.sql(f"""
            WITH acc AS (SELECT account, ts FROM actions),
            grp AS (
                SELECT m.cluster AS id, a.ts FROM acc a
                JOIN (SELECT DISTINCT cluster, account FROM tmp_tc_members) m USING (account)
            ),
            cells AS (
                SELECT 'account' AS scope, account AS id, 'utc' AS zone,
                       isodow(ts) - 1 AS weekday, hour(ts) AS hour FROM acc
                UNION ALL
                SELECT 'cluster', id, 'utc', isodow(ts) - 1, hour(ts) FROM grp
                UNION ALL
                SELECT 'account', a.account, 'local', isodow(lt) - 1, hour(lt)
                FROM (SELECT a.account, {local_ts} AS lt FROM acc a
                      JOIN tmp_tc_offsets o ON o.scope = 'account' AND o.id = a.account) a
                UNION ALL
                SELECT 'cluster', a.id, 'local', isodow(lt) - 1, hour(lt)
                FROM (SELECT a.id, {local_ts} AS lt FROM grp a
                      JOIN tmp_tc_offsets o ON o.scope = 'cluster' AND o.id = a.id) a
            )
            SELECT scope, id, zone, CAST(weekday AS BIGINT) AS weekday,
                   CAST(hour AS BIGINT) AS hour, CAST(count(*) AS BIGINT) AS actions
            FROM cells GROUP BY ALL
            ORDER BY scope, id, zone, weekday, hour
        """).to_arrow_table()
    return tbl.cast(SCHEMA)


def timecard_matrix(tc: pa.Table, scope: str, id: str, zone: str = "utc") -> list[list[int]]:
    """One timecard as a 7 x 24 list of lists (rows Monday..Sunday), zeros filled in."""
    out = [[0] * 24 for _ in range(7)]
    mask = pc.and_(pc.and_(pc.equal(tc.column("scope"), scope), pc.equal(tc.column("id"), id)),
                   pc.equal(tc.column("zone"), zone))
    for r in tc.filter(mask).to_pylist():
        out[r["weekday"]][r["hour"]] += r["actions"]
    return out
