"""Windowed co-action: pairs of accounts that acted on the same object within a time window.

Method
------
For one behaviour (see :mod:`swarmscope.behaviours`) every action is a point ``(account, object,
t)``. Two actions by *different* accounts on the same object with ``|t_x - t_y| <= window``
(inclusive, as in CooRTweet and coordination-network-toolkit) form a *co-action event*. Events are
aggregated per unordered account pair into: distinct shared objects, events, first and last time,
median lag, and direction (how often each account came first).

The join is a sort-based sweep, output-sensitive (``O(N log N + P)`` for ``P`` events) instead of
a hash join on the object with a residual time filter (``O(sum n_o^2)``, hopeless on viral data):

1. rank the actions within each object by time: ``rn``;
2. for each action, the last rank inside the window, ``last_rn = max(rn) OVER (PARTITION BY object
   ORDER BY t RANGE BETWEEN CURRENT ROW AND window FOLLOWING)``;
3. expand ranks ``rn+1 .. last_rn`` and join back on ``(object, rank)``.

Viral objects
-------------
An object shared by ``m`` accounts within a burst of length ``D >> window`` yields about
``m^2 window / D`` events that carry almost no information (everyone shared the viral post) and
can exhaust memory. ``max_neighbours`` (``C``) bounds the work: each action pairs with at most its
next ``C`` actions on the object inside the window, so ``P <= N C``. The bound only binds where
more than ``C`` other actions fall inside one window after an action; those objects are listed in
the ``bounded`` table with the number of actions, the largest in-window crowd and how many events
were not generated, so a reviewer knows exactly where the cut applied. ``max_neighbours=None``
computes every event.

Parameters
----------
window : seconds (float), inclusive.
max_neighbours : int or None, the crowd cap ``C`` described above (default 250).

References
----------
- Giglietto, Righetti, Rossi & Marino (2020), *It takes a village to manipulate the media*,
  Information, Communication & Society 23(6): coordinated link sharing within a time window.
- Pacheco, Hui, Torres-Lugo, Truong, Flammini & Menczer (2021), *Uncovering coordinated networks
  on social media*, ICWSM: co-action networks over behavioural traces.
- Graham, Bruns, Angus, Hurcombe & Hames (2021), coordination-network-toolkit: co-retweet, co-link,
  co-reply networks with a time window.

Example::

    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE b AS SELECT * FROM (VALUES "
    ...   "('repost','ann','o1',TIMESTAMPTZ '2021-01-01 00:00:00+00','p','1'),"
    ...   "('repost','bob','o1',TIMESTAMPTZ '2021-01-01 00:00:30+00','p','2')"
    ...   ") t(behaviour, account, object, ts, platform, action_id)")
    >>> prepare_events(con, "b", window=60)
    >>> con.sql(pair_aggregate_sql()).fetchall()[0][:5]
    ('repost', 'ann', 'bob', 1, 1)
"""

from __future__ import annotations

import duckdb

DEFAULT_MAX_NEIGHBOURS = 250


def prepare_events(con: duckdb.DuckDBPyConnection, source: str, window: float,
                   max_neighbours: int | None = DEFAULT_MAX_NEIGHBOURS) -> None:
    """Create the co-action temp tables from the behaviour relation ``source`` (columns
    ``behaviour, account, object, ts, platform, action_id``):

    - ``ev_src``: the source rows with a row id ``rid`` (ordered by platform and action id);
    - ``acc_ids`` / ``obj_ids``: dense integer ids of accounts and (behaviour, object);
    - ``ev``: ranked actions; ``events``: co-action events as integers
      (``behaviour, oid, ax, ay, t_x, t_y, rx, ry``; ``t`` in epoch microseconds);
    - ``bounded``: objects where the crowd cap applied;
    - view ``events_named``: events with account names, objects and action ids (for
      explanations and the peer modes, which need the ids).

    Integers keep the join and the aggregation over tens of millions of events cheap.
    """
    w_us = int(round(window * 1_000_000))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ev_src AS
        SELECT row_number() OVER (ORDER BY platform, action_id, account, ts) AS rid, *
        FROM {source}
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE acc_ids AS
        SELECT account, row_number() OVER (ORDER BY account) AS aid
        FROM (SELECT DISTINCT account FROM ev_src)
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE obj_ids AS
        SELECT behaviour, object, row_number() OVER (ORDER BY behaviour, object) AS oid
        FROM (SELECT DISTINCT behaviour, object FROM ev_src)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ev AS
        SELECT behaviour, oid, aid, t, rid, rn,
               max(rn) OVER (PARTITION BY oid ORDER BY t
                             RANGE BETWEEN CURRENT ROW AND {w_us} FOLLOWING) AS last_rn
        FROM (
            SELECT s.behaviour, o.oid, a.aid, epoch_us(s.ts) AS t, s.rid,
                   row_number() OVER (PARTITION BY o.oid ORDER BY s.ts, a.aid, s.rid) AS rn
            FROM ev_src s JOIN acc_ids a USING (account) JOIN obj_ids o USING (behaviour, object)
        )
    """)
    cap = "last_rn" if max_neighbours is None else f"least(last_rn, rn + {int(max_neighbours)})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE events AS
        SELECT x.behaviour, x.oid, x.aid AS ax, y.aid AS ay, x.t AS t_x, y.t AS t_y,
               x.rid AS rx, y.rid AS ry
        FROM (
            SELECT behaviour, oid, aid, t, rid, unnest(range(rn + 1, {cap} + 1)) AS prn
            FROM ev WHERE last_rn > rn
        ) x
        JOIN ev y ON y.oid = x.oid AND y.rn = x.prn
        WHERE x.aid <> y.aid
    """)
    con.execute("""
        CREATE OR REPLACE TEMP VIEW events_named AS
        SELECT e.behaviour, o.object, ax_.account AS acc_x, ay_.account AS acc_y, e.t_x, e.t_y,
               sx.platform AS platform_x, sx.action_id AS action_x,
               sy.platform AS platform_y, sy.action_id AS action_y
        FROM events e
        JOIN obj_ids o ON o.oid = e.oid
        JOIN acc_ids ax_ ON ax_.aid = e.ax JOIN acc_ids ay_ ON ay_.aid = e.ay
        JOIN ev_src sx ON sx.rid = e.rx JOIN ev_src sy ON sy.rid = e.ry
    """)
    if max_neighbours is None:
        con.execute("""CREATE OR REPLACE TEMP TABLE bounded AS
            SELECT NULL::VARCHAR AS behaviour, NULL::VARCHAR AS object, 0::BIGINT AS actions,
                   0::BIGINT AS max_crowd, 0::BIGINT AS events_not_generated WHERE false""")
    else:
        c = int(max_neighbours)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE bounded AS
            SELECT o.behaviour, o.object, b.actions, b.max_crowd, b.events_not_generated
            FROM (
                SELECT oid, count(*) AS actions, max(last_rn - rn) AS max_crowd,
                       sum(greatest(last_rn - rn - {c}, 0)) AS events_not_generated
                FROM ev GROUP BY oid HAVING max(last_rn - rn) > {c}
            ) b JOIN obj_ids o USING (oid)
        """)


def aggregate_pairs(con: duckdb.DuckDBPyConnection, min_objects: int = 1,
                    events: str = "events") -> int:
    """Create temp table ``pairs``: per unordered account pair with at least ``min_objects``
    shared objects, the statistics below; returns the number of all candidate pairs (pairs with
    at least one event), which multiple-testing corrections need.

    Columns: behaviour, a, b (names, ``a < b``), a_id, b_id, n_objects, n_events, first_ts,
    last_ts, median_lag_s, a_first, b_first, simultaneous.
    """
    # Most candidate pairs share a single object: count them cheaply, and compute the full
    # statistics only for pairs that can reach min_objects.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pair_keys AS
        SELECT behaviour, least(ax, ay) AS a_id, greatest(ax, ay) AS b_id,
               min(oid) <> max(oid) AS multi
        FROM {events} GROUP BY behaviour, least(ax, ay), greatest(ax, ay)
    """)
    total = con.execute("SELECT count(*) FROM pair_keys").fetchall()[0][0]
    keep = "multi" if min_objects >= 2 else "true"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pairs AS
        SELECT p.behaviour, an.account AS a, bn.account AS b, p.* EXCLUDE (behaviour)
        FROM (
            SELECT e.behaviour, least(e.ax, e.ay) AS a_id, greatest(e.ax, e.ay) AS b_id,
                   count(DISTINCT e.oid) AS n_objects,
                   count(*) AS n_events,
                   make_timestamptz(min(e.t_x)) AS first_ts,
                   make_timestamptz(max(e.t_y)) AS last_ts,
                   median(e.t_y - e.t_x) / 1e6 AS median_lag_s,
                   count(*) FILTER (WHERE e.t_y > e.t_x AND e.ax < e.ay) AS a_first,
                   count(*) FILTER (WHERE e.t_y > e.t_x AND e.ax > e.ay) AS b_first,
                   count(*) FILTER (WHERE e.t_y = e.t_x) AS simultaneous
            FROM {events} e
            SEMI JOIN (SELECT * FROM pair_keys WHERE {keep}) k
              ON k.behaviour = e.behaviour AND k.a_id = least(e.ax, e.ay)
             AND k.b_id = greatest(e.ax, e.ay)
            GROUP BY e.behaviour, least(e.ax, e.ay), greatest(e.ax, e.ay)
            HAVING count(DISTINCT e.oid) >= {int(min_objects)}
        ) p
        JOIN acc_ids an ON an.aid = p.a_id JOIN acc_ids bn ON bn.aid = p.b_id
    """)
    return total


def pair_aggregate_sql(events: str = "events_named") -> str:
    """SQL aggregating named co-action events per unordered account pair (small inputs).

    Columns: behaviour, a, b, n_objects, n_events, first_ts, last_ts, median_lag_s,
    a_first, b_first, simultaneous.
    """
    return f"""
        SELECT behaviour,
               least(acc_x, acc_y) AS a, greatest(acc_x, acc_y) AS b,
               count(DISTINCT object) AS n_objects,
               count(*) AS n_events,
               make_timestamptz(min(t_x)) AS first_ts,
               make_timestamptz(max(t_y)) AS last_ts,
               median(t_y - t_x) / 1e6 AS median_lag_s,
               count(*) FILTER (WHERE t_y > t_x AND acc_x = least(acc_x, acc_y)) AS a_first,
               count(*) FILTER (WHERE t_y > t_x AND acc_x = greatest(acc_x, acc_y)) AS b_first,
               count(*) FILTER (WHERE t_y = t_x) AS simultaneous
        FROM {events}
        GROUP BY behaviour, least(acc_x, acc_y), greatest(acc_x, acc_y)
    """
