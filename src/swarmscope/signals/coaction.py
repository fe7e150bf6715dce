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

1. rank the actions within each object by time (ties by account): ``rn``;
2. for each action, the last rank inside the window: the number of the object's actions up to
   ``window`` after it, ``last_rn = count(*) OVER (PARTITION BY object ORDER BY t RANGE BETWEEN
   UNBOUNDED PRECEDING AND window FOLLOWING)`` (it needs no rank, so both windows are one
   ``SELECT`` over integer account and object ids);
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
max_neighbours : int or None, the crowd cap ``C`` described above (default 50).

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
    >>> prepare_events(con, "b", window=60, with_ids=True)
    >>> con.sql(pair_aggregate_sql()).fetchall()[0][:5]
    ('repost', 'ann', 'bob', 1, 1)
"""

from __future__ import annotations

import duckdb

from ..engines import Engine
from ..engines.duckdb_engine import DuckDBEngine

DEFAULT_MAX_NEIGHBOURS = 50


def prepare_events(engine: Engine | duckdb.DuckDBPyConnection, source: str, window: float,
                   max_neighbours: int | None = DEFAULT_MAX_NEIGHBOURS,
                   with_ids: bool = False, with_ranks: bool = False,
                   skip_authors: bool = False, items: bool = False) -> None:
    """Create the co-action tables from the behaviour relation ``source`` (columns
    ``behaviour, account, object, ts, platform, action_id``; one behaviour per call; a table or
    a view):

    - ``acc_ids`` / ``obj_ids``: dense integer ids of accounts and objects (ordered by name, so
      both engines number them alike and ``a_id < b_id`` means ``a < b``);
    - ``ev``: ranked actions (``oid, aid, t, rn, last_rn``, ``t`` in epoch microseconds);
    - ``events``: co-action events as integers (``oid, ax, ay, t_x, t_y``; with ``with_ranks``
      also the ranks ``rn_x, rn_y``, which identify each action within its object);
    - ``bounded``: objects where the crowd cap applied;
    - with ``with_ids``: ``ev_src`` (source rows with a row id) and the view ``events_named``
      (events with account names, objects and action ids, for explanations and the peer modes).

    With ``skip_authors`` the first action on each object (its author: the post that first
    carried a text or link) pairs with nobody, while it still counts as an action (see
    :attr:`swarmscope.behaviours.Behaviour.authored`). With ``items`` the source has an ``item``
    column and two actions on the same item are not paired (see
    :attr:`swarmscope.behaviours.Behaviour.items`).

    Integers keep the join and the aggregations over tens of millions of events cheap.
    """
    eng = as_engine(engine)
    w_us = int(round(window * 1_000_000))
    rid = ""
    if with_ids:
        eng.create_table("ev_src", f"""
            SELECT row_number() OVER (ORDER BY platform, action_id, account, ts) AS rid, *
            FROM {source}
        """)
        base, rid = "ev_src", ", s.rid"
        # Ties in time are broken by account name and action id, never by storage order.
        ties = ", s.platform, s.action_id"
    else:
        # Only the columns the integer events need, read once (``source`` may be a view).
        eng.create_table("ev_src", f"SELECT account, object, ts{', item' if items else ''} "
                                   f"FROM {source}")
        base = "ev_src"
        # Ties in (time, account) need no further key here: such actions carry identical
        # (object, account, time), so any order of them gives the same integer events.
        ties = ""
    eng.create_table("acc_ids", f"""
        SELECT account, row_number() OVER (ORDER BY account) AS aid
        FROM (SELECT DISTINCT account FROM {base}) AS s
    """)
    eng.create_table("obj_ids", f"""
        SELECT object, row_number() OVER (ORDER BY object) AS oid
        FROM (SELECT DISTINCT object FROM {base}) AS s
    """)
    # rn orders each object's actions by (time, account, ...); last_rn is the last rank inside
    # the window, i.e. the number of the object's actions at most ``window`` after this one,
    # which needs no rank and so runs in the same SELECT as rn.
    item = ", item" if items else ""
    eng.create_table("ev", f"""
        SELECT oid, aid, t{rid.replace("s.", "")}{item},
               row_number() OVER (PARTITION BY oid ORDER BY t, aid{ties}) AS rn,
               count(*) OVER (PARTITION BY oid ORDER BY t
                              RANGE BETWEEN UNBOUNDED PRECEDING AND {w_us} FOLLOWING) AS last_rn
        FROM (
            SELECT o.oid, a.aid, epoch_us(s.ts) AS t{rid}{ties}{", s.item" if items else ""}
            FROM {base} s JOIN acc_ids a ON a.account = s.account
            JOIN obj_ids o ON o.object = s.object
        ) AS s
    """)
    if not with_ids:
        eng.drop("ev_src")
    cap = "last_rn" if max_neighbours is None else f"least(last_rn, rn + {int(max_neighbours)})"
    ids = ", x.rid AS rx, y.rid AS ry" if with_ids else ""
    ranks = ", x.rn AS rn_x, y.rn AS rn_y" if with_ranks else ""
    eng.create_table("events", f"""
        SELECT x.oid, x.aid AS ax, y.aid AS ay, x.t AS t_x, y.t AS t_y{ids}{ranks}
        FROM (
            SELECT oid, aid, t, rn{rid.replace("s.", "")}{item},
                   unnest(range(rn + 1, {cap} + 1)) AS prn
            FROM ev WHERE last_rn > rn{" AND rn > 1" if skip_authors else ""}
        ) AS x
        JOIN ev AS y ON y.oid = x.oid AND y.rn = x.prn
        WHERE x.aid <> y.aid{" AND NOT coalesce(x.item = y.item, false)" if items else ""}
    """)
    if with_ids:
        eng.create_view("events_named", """
            SELECT sx.behaviour, o.object, sx.account AS acc_x, sy.account AS acc_y,
                   e.t_x, e.t_y, sx.platform AS platform_x, sx.action_id AS action_x,
                   sy.platform AS platform_y, sy.action_id AS action_y
            FROM events e
            JOIN obj_ids o ON o.oid = e.oid
            JOIN ev_src sx ON sx.rid = e.rx JOIN ev_src sy ON sy.rid = e.ry
        """)
    if max_neighbours is None:
        eng.create_table("bounded", """
            SELECT CAST(NULL AS VARCHAR) AS object, CAST(0 AS BIGINT) AS actions,
                   CAST(0 AS BIGINT) AS max_crowd, CAST(0 AS BIGINT) AS events_not_generated
            WHERE 1 = 0""")
    else:
        c = int(max_neighbours)
        eng.create_table("bounded", f"""
            SELECT o.object, b.actions, b.max_crowd, b.events_not_generated
            FROM (
                SELECT oid, count(*) AS actions, max(last_rn - rn) AS max_crowd,
                       sum(greatest(last_rn - rn - {c}, 0)) AS events_not_generated
                FROM ev GROUP BY oid HAVING max(last_rn - rn) > {c}
            ) AS b JOIN obj_ids o ON o.oid = b.oid
        """)


def aggregate_pairs(engine: Engine | duckdb.DuckDBPyConnection, min_objects: int = 1,
                    events: str = "events") -> int:
    """Create table ``pairs``: per unordered account pair with at least ``min_objects`` shared
    objects, the statistics below; returns the number of all candidate pairs (pairs with at
    least one event), which the multiple-testing correction needs.

    Columns: a, b (names, ``a < b``), a_id, b_id, n_objects, n_events, first_ts, last_ts,
    median_lag_s, a_first, b_first, simultaneous.
    """
    eng = as_engine(engine)
    # Most candidate pairs share a single object: count them cheaply, and compute the full
    # statistics only for pairs that can reach min_objects.
    eng.create_table("pair_keys", f"""
        SELECT least(ax, ay) AS a_id, greatest(ax, ay) AS b_id, min(oid) <> max(oid) AS multi
        FROM {events} GROUP BY least(ax, ay), greatest(ax, ay)
    """)
    total = int(eng.scalar("SELECT count(*) FROM pair_keys"))
    keep = "multi" if min_objects >= 2 else "1 = 1"
    eng.create_table("pairs", f"""
        SELECT an.account AS a, bn.account AS b, p.*
        FROM (
            SELECT least(e.ax, e.ay) AS a_id, greatest(e.ax, e.ay) AS b_id,
                   count(DISTINCT e.oid) AS n_objects,
                   count(*) AS n_events,
                   make_timestamptz(min(e.t_x)) AS first_ts,
                   make_timestamptz(max(e.t_y)) AS last_ts,
                   median(e.t_y - e.t_x) / 1e6 AS median_lag_s,
                   count(*) FILTER (WHERE e.t_y > e.t_x AND e.ax < e.ay) AS a_first,
                   count(*) FILTER (WHERE e.t_y > e.t_x AND e.ax > e.ay) AS b_first,
                   count(*) FILTER (WHERE e.t_y = e.t_x) AS simultaneous
            FROM {events} AS e
            SEMI JOIN (SELECT a_id, b_id FROM pair_keys WHERE {keep}) AS k
              ON k.a_id = least(e.ax, e.ay) AND k.b_id = greatest(e.ax, e.ay)
            GROUP BY least(e.ax, e.ay), greatest(e.ax, e.ay)
            HAVING count(DISTINCT e.oid) >= {int(min_objects)}
        ) AS p
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


def as_engine(engine: Engine | duckdb.DuckDBPyConnection) -> Engine:
    """Accept a bare DuckDB connection where an engine is expected."""
    if isinstance(engine, duckdb.DuckDBPyConnection):
        return DuckDBEngine(engine)
    return engine
