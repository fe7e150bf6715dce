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
    """Create temp tables ``ev`` (ranked actions), ``events`` (co-action events) and
    ``bounded`` (objects where the crowd cap applied) from the behaviour relation ``source``
    (columns ``behaviour, account, object, ts, platform, action_id``)."""
    w_us = int(round(window * 1_000_000))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ev AS
        SELECT behaviour, account, object, t, platform, action_id, rn,
               max(rn) OVER (PARTITION BY behaviour, object ORDER BY t
                             RANGE BETWEEN CURRENT ROW AND {w_us} FOLLOWING) AS last_rn
        FROM (
            SELECT behaviour, account, object, epoch_us(ts) AS t, platform, action_id,
                   row_number() OVER (PARTITION BY behaviour, object
                                      ORDER BY ts, account, platform, action_id) AS rn
            FROM {source}
        )
    """)
    cap = "last_rn" if max_neighbours is None else f"least(last_rn, rn + {int(max_neighbours)})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE events AS
        SELECT x.behaviour, x.object,
               x.account AS acc_x, y.account AS acc_y,
               x.t AS t_x, y.t AS t_y,
               x.platform AS platform_x, x.action_id AS action_x,
               y.platform AS platform_y, y.action_id AS action_y
        FROM (
            SELECT behaviour, object, account, t, platform, action_id,
                   unnest(range(rn + 1, {cap} + 1)) AS prn
            FROM ev WHERE last_rn > rn
        ) x
        JOIN ev y ON y.behaviour = x.behaviour AND y.object = x.object AND y.rn = x.prn
        WHERE x.account <> y.account
    """)
    if max_neighbours is None:
        con.execute("""CREATE OR REPLACE TEMP TABLE bounded AS
            SELECT NULL::VARCHAR AS behaviour, NULL::VARCHAR AS object, 0::BIGINT AS actions,
                   0::BIGINT AS max_crowd, 0::BIGINT AS events_not_generated WHERE false""")
    else:
        c = int(max_neighbours)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE bounded AS
            SELECT behaviour, object, count(*) AS actions, max(last_rn - rn) AS max_crowd,
                   sum(greatest(last_rn - rn - {c}, 0)) AS events_not_generated
            FROM ev GROUP BY behaviour, object HAVING max(last_rn - rn) > {c}
        """)


def pair_aggregate_sql(events: str = "events") -> str:
    """SQL aggregating co-action events per unordered account pair ``(a < b)``.

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
