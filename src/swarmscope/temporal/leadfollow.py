"""Lead-follow: who acts first in a co-action cluster (seeders) and who amplifies.

Coordinated clusters usually have a division of labour: a few accounts post or pick up the
content first and the rest repost, quote or reply within minutes (Keller et al. 2020 describe
the "seeding" and "amplifying" roles in astroturfing campaigns; Giglietto et al. 2020 the
near-simultaneous link sharing that follows). This module orders the members' actions on each
shared object.

Method
------
1. The members' actions are projected through the same behaviours co-action detection used
   (``results/detect.json`` parameters when present, else the defaults: repost, quote, reply,
   link, hashtag, text, edit), each with its window (:mod:`swarmscope.behaviours`).
2. For reposted, quoted and replied-to objects, the object's own author takes part too, at
   the time of the original post: a member whose posts the others repost is the seeder of
   those objects.
3. Per cluster, behaviour and object, the members' actions in time order are cut into
   *episodes* wherever the gap to the previous member action exceeds the behaviour's window
   (a chain: an episode can be longer than one window). Only an account's first action in an
   episode counts.
4. In every episode with at least two members, the first member **led** and each other member
   **followed**. Per member: ``led``, ``followed``, ``lead_share = led / (led + followed)``,
   ``median_lag_s`` (how long after the leader it follows), and the chance expectation
   ``expected_led = sum over its episodes of 1 / (members in the episode)``, with
   ``lead_z = (led - expected_led) / sqrt(sum p (1 - p))``: the order is random under the
   null, so seeders have a large positive ``lead_z`` and pure amplifiers a negative one.
5. ``role``: ``seeder`` when the member leads more often than chance allows
   (``P(X >= led) <= role_alpha``, 0.05) in at least ``min_episodes`` (3) episodes;
   ``amplifier`` when it leads less often than chance allows (``P(X <= led) <= role_alpha``)
   and followed in at least ``min_episodes``; else ``mixed``. ``X`` is Poisson with mean
   ``expected_led``: the number of leads is a sum of independent Bernoulli trials whose
   variance is at most its mean, so the Poisson tails are conservative. Roles are a
   description of the cluster, not a test corrected for the number of members.

Parameters: ``behaviours`` and ``windows`` (seconds per behaviour), ``role_alpha``,
``min_episodes``.

Limits: "first" is first *observed*: a collection that misses a member's actions shifts the
roles; a leader outside the cluster (an organic post the cluster amplifies) is not a member,
so members only lead among themselves (step 2 adds authors who are members).

References:

- Keller FB, Schoch D, Stier S, Yang J (2020). Political astroturfing on Twitter: how to
  coordinate a disinformation campaign. Political Communication 37(2): 256-280.
- Giglietto F, Righetti N, Rossi L, Marino G (2020). It takes a village to manipulate the
  media: coordinated link sharing behavior during 2018 and 2019 Italian elections.
  Information, Communication & Society 23(6): 867-891.

Example::

    >>> import duckdb, pyarrow as pa
    >>> con = duckdb.connect()
    >>> _ = con.execute("SET TimeZone = 'UTC'")
    >>> ts = pa.array([0, 10, 20, 100, 110, 500], pa.int64()).cast(pa.timestamp("s", tz="UTC"))
    >>> acts = pa.table({"platform": ["x"] * 6, "action_id": list("123456"),
    ...     "account": ["a", "b", "c", "a", "c", "b"], "ts": ts,
    ...     "kind": ["repost"] * 6, "repost_of": ["p", "p", "p", "q", "q", "r"],
    ...     "text_key": [None] * 6})
    >>> con.register("actions", acts)  # doctest: +ELLIPSIS
    <...>
    >>> t = lead_follow(con, {"1": ["a", "b", "c"]}, behaviours=["repost"])
    >>> [(r["account"], r["led"], r["followed"]) for r in t.to_pylist()]
    [('a', 2, 0), ('b', 0, 1), ('c', 0, 2)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa
from scipy.stats import poisson

from ..behaviours import behaviour_sql, get_behaviour
from .common import membership_table, registered

DEFAULT_BEHAVIOURS = ("repost", "quote", "reply", "link", "hashtag", "text", "edit")
#: Behaviours whose object is a post: its author counts as acting at the post's time.
_AUTHORED = ("repost", "quote", "share", "reply")

SCHEMA = pa.schema([
    ("cluster", pa.string()), ("account", pa.string()), ("led", pa.int64()),
    ("followed", pa.int64()), ("lead_share", pa.float64()), ("episodes", pa.int64()),
    ("expected_led", pa.float64()), ("lead_z", pa.float64()), ("median_lag_s", pa.float64()),
    ("role", pa.string()),
])


def _has_rows(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(f"SELECT count(*) FROM ({behaviour_sql(name)}) LIMIT 1")
                .fetchall()[0][0])


def lead_follow(con: duckdb.DuckDBPyConnection, groups: Mapping[str, list[str]] | pa.Table | None,
                behaviours: Sequence[str] | None = None,
                windows: Mapping[str, float] | None = None, role_alpha: float = 0.05,
                min_episodes: int = 3) -> pa.Table:
    """The ``leadfollow`` result table (see the module docstring)."""
    membership = membership_table(groups)
    if membership.num_rows == 0:
        return SCHEMA.empty_table()
    names = [b for b in (behaviours or DEFAULT_BEHAVIOURS)
             if not get_behaviour(b).requires and _has_rows(con, b)]
    if not names:
        return SCHEMA.empty_table()
    win = {b: float((windows or {}).get(b, get_behaviour(b).default_window)) for b in names}
    win_tbl = pa.table({"behaviour": list(win), "window_s": list(win.values())})
    authored = [b for b in names if b in _AUTHORED]
    origin_sql = ""
    if authored:
        origin_sql = f"""
            UNION ALL
            SELECT o.behaviour, p.account, o.object, p.ts
            FROM (SELECT DISTINCT behaviour, object FROM beh
                  WHERE behaviour IN ({", ".join(f"'{b}'" for b in authored)})) o
            JOIN actions p ON p.platform || ':' || p.action_id = o.object
        """
    with registered(con, tmp_lf_members=membership, tmp_lf_windows=win_tbl):
        tbl = con.sql(f"""
            WITH beh AS ({behaviour_sql(names)}),
            acts AS (
                SELECT behaviour, account, object, ts FROM beh
                {origin_sql}
            ),
            m AS (SELECT DISTINCT cluster, account FROM tmp_lf_members),
            ma AS (
                SELECT m.cluster, a.behaviour, a.object, a.account, a.ts, w.window_s
                FROM acts a JOIN m USING (account) JOIN tmp_lf_windows w USING (behaviour)
            ),
            gaps AS (
                SELECT *, CASE WHEN epoch(ts) - epoch(lag(ts) OVER o) <= window_s THEN 0
                               ELSE 1 END AS new_episode
                FROM ma WINDOW o AS (PARTITION BY cluster, behaviour, object ORDER BY ts, account)
            ),
            ep AS (
                SELECT *, sum(new_episode) OVER (PARTITION BY cluster, behaviour, object
                                                 ORDER BY ts, account
                                                 ROWS UNBOUNDED PRECEDING) AS episode
                FROM gaps
            ),
            firsts AS (
                SELECT cluster, behaviour, object, episode, account, min(ts) AS ts
                FROM ep GROUP BY ALL
            ),
            ranked AS (
                SELECT *, row_number() OVER e AS pos, count(*) OVER e AS n_members,
                       first_value(ts) OVER (PARTITION BY cluster, behaviour, object, episode
                                             ORDER BY ts, account) AS lead_ts
                FROM firsts WINDOW e AS (PARTITION BY cluster, behaviour, object, episode
                                         ORDER BY ts, account)
            ),
            sized AS (
                SELECT * EXCLUDE (n_members),
                       count(*) OVER (PARTITION BY cluster, behaviour, object, episode) AS k
                FROM ranked
            )
            SELECT cluster, account,
                   CAST(count(*) FILTER (WHERE pos = 1) AS BIGINT) AS led,
                   CAST(count(*) FILTER (WHERE pos > 1) AS BIGINT) AS followed,
                   count(*) FILTER (WHERE pos = 1) / count(*) AS lead_share,
                   CAST(count(*) AS BIGINT) AS episodes,
                   sum(1.0 / k) AS expected_led,
                   (count(*) FILTER (WHERE pos = 1) - sum(1.0 / k))
                       / greatest(sqrt(sum((1.0 / k) * (1 - 1.0 / k))), 1e-9) AS lead_z,
                   median(epoch(ts) - epoch(lead_ts)) FILTER (WHERE pos > 1) AS median_lag_s
            FROM sized WHERE k >= 2
            GROUP BY cluster, account
        """).to_arrow_table()
        con.register("tmp_lf_result", tbl)
        out = con.sql("""
            SELECT cluster, account, led, followed, round(lead_share, 4) AS lead_share, episodes,
                   round(expected_led, 3) AS expected_led, round(lead_z, 3) AS lead_z,
                   median_lag_s, '' AS role
            FROM tmp_lf_result
            ORDER BY CASE WHEN regexp_full_match(cluster, '-?[0-9]+')
                          THEN CAST(cluster AS BIGINT) END NULLS LAST, cluster,
                     lead_share DESC, led DESC, account
        """).to_arrow_table()
        con.unregister("tmp_lf_result")
    led = out.column("led").to_numpy()
    fol = out.column("followed").to_numpy()
    exp = np.maximum(out.column("expected_led").to_numpy(), 1e-9)
    high = poisson.sf(led - 1, exp) <= role_alpha
    low = poisson.cdf(led, exp) <= role_alpha
    role = np.where(high & (led >= min_episodes), "seeder",
                    np.where(low & (fol >= min_episodes), "amplifier", "mixed"))
    out = out.set_column(out.schema.get_field_index("role"), "role",
                         pa.array(role.tolist(), pa.string()))
    return out.cast(SCHEMA)
