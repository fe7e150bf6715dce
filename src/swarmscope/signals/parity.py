"""Peer parity modes: reproduce CooRTweet and coordination-network-toolkit exactly.

Users reproducing published work need the peers' exact semantics, including their quirks. Both
modes run on any behaviour relation (``account, object, ts, platform, action_id``) with the
action id playing the role of the peers' ``content_id`` / ``message_id``.

``coortweet`` (CooRTweet 2.x ``detect_groups`` + ``generate_coordinated_network``):

1. keep accounts with at least ``min_participation`` actions;
2. all pairs of actions on the same object with ``|dt| <= time_window`` (inclusive);
3. drop loops: same account, same content id, or object id equal to a content id;
4. ``filter_min_participation``: among the contents that appear in step 3, an account must have
   at least ``min_participation`` of them; a pair is kept when *either* of its two contents
   belongs to such an account (CooRTweet uses OR here);
5. edge weight = number of content pairs per unordered account pair;
6. threshold = the ``edge_weight`` quantile of all edge weights (R's default type 7, which is
   DuckDB's ``quantile_cont``); an edge is kept when ``weight > threshold`` (strict), and with
   ``subgraph=1`` only kept edges and their accounts are returned.

``cnt`` (coordination-network-toolkit 1.5 ``co_retweet`` and friends): for each ordered pair of
distinct accounts, the directed weight is the number of distinct messages of the first account
matched by a message of the second on the same object within ``time_window`` (inclusive);
messages with a repeated id count once (the toolkit's table keys messages by id); an edge exists
when the weight is at least ``min_edge_weight``. The undirected network joins both directions and
keeps the larger weight.

References: Righetti & Balluff (2023), CooRTweet (R package, CRAN); Graham et al. (2021),
coordination-network-toolkit (QUT Digital Observatory).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from ..behaviours import behaviour_sql, get_behaviour
from ..case import Case
from ..engine import sql_literal
from ..engines import Engine, open_engine
from ..errors import UsageError
from ..hashed_names import ACCOUNT_NAMES, hashes_exact
from .coaction import as_engine, prepare_events


def peer_network(case: Case | str | Path, mode: str, behaviour: str = "repost",
                 window: float = 60.0, min_participation: int = 2, edge_weight: float = 0.5,
                 min_edge_weight: int = 1, engine: str | None = None) -> pa.Table:
    """A peer tool's network on a case, alone and in the peer's own shape: ``mode="cnt"`` gives
    coordination-network-toolkit's directed edges (``behaviour, user_1, user_2, weight``),
    ``mode="coortweet"`` CooRTweet's edge table (see :func:`coortweet_network`).

    This is the peer's computation only, for comparing with published results edge by edge;
    :func:`swarmscope.signals.detect.detect` with the same ``mode`` also scores accounts,
    clusters them and writes the results into the case.

    Example::

        from swarmscope.signals.parity import peer_network
        edges = peer_network("mycase", "cnt", "repost", window=60, min_edge_weight=2)
    """
    if not isinstance(case, Case):
        case = Case.open(case)
    if mode not in ("cnt", "coortweet"):
        raise UsageError(f"unknown peer mode {mode!r}; choose cnt or coortweet")
    eng = open_engine(case, engine)
    if mode == "coortweet":
        eng.create_view("peer_src", behaviour_sql(behaviour))
        return coortweet_network(eng, "peer_src", window, min_participation, edge_weight)
    unique, names = cnt_source(eng, case, behaviour, "peer_src")
    directed, _ = cnt_network(eng, "peer_src", window, min_edge_weight, behaviour=behaviour,
                              unique_ids=unique, names=names)
    return directed


def cnt_source(engine: Engine, case: Case, behaviour: str, view: str) -> tuple[bool, str | None]:
    """Create ``view``, the input of :func:`cnt_network` for ``behaviour``: on hashed names
    when the behaviour has them and the case's hashes are exact
    (:mod:`swarmscope.hashed_names`), else on names. Returns ``(unique_ids, names)``, the
    arguments of :func:`cnt_network` that go with the view.

    Hashes only where every action id occurs once: the earliest copy of a repeated id is
    chosen by name, and hashes do not sort as names do.
    """
    unique = action_ids_unique(engine, behaviour, case)
    if unique and get_behaviour(behaviour).hashed_sql and hashes_exact(case.manifest):
        engine.create_view(view, behaviour_sql(behaviour, hashed=True))
        return True, ACCOUNT_NAMES
    engine.create_view(view, behaviour_sql(behaviour))
    return unique, None


def action_ids_unique(engine: Engine, behaviour: str, case: Case | None = None) -> bool:
    """Whether the projection of ``behaviour`` holds each action id once: the case keys actions
    by (platform, action id), so it does when the behaviour gives one row per action and the
    case has one platform (read from the manifest of ``case`` where it lists them)."""
    if not get_behaviour(behaviour).one_row_per_action:
        return False
    platforms = None if case is None else (
        case.manifest.get("tables", {}).get("actions", {}).get("platforms"))
    if platforms is not None:
        return len(platforms) <= 1
    return engine.scalar("SELECT count(DISTINCT platform) FROM actions") <= 1


def coortweet_network(engine: Engine | duckdb.DuckDBPyConnection, source: str,
                      time_window: float, min_participation: int = 2, edge_weight: float = 0.5,
                      subgraph: int = 1) -> pa.Table:
    """CooRTweet 2.x semantics (see module docstring). Returns edges (behaviour, a, b, weight,
    avg_time_delta, n_content_id, n_content_id_y, edge_symmetry_score, weight_threshold)."""
    eng = as_engine(engine)
    mp = int(min_participation)
    eng.create_table("ct_x", f"""
        SELECT * FROM {source}
        WHERE account IN (SELECT account FROM {source} GROUP BY account HAVING count(*) >= {mp})
    """)
    prepare_events(eng, "ct_x", time_window, max_neighbours=None, with_ids=True)
    eng.create_table("ct_pairs", """
        SELECT * FROM events_named
        WHERE action_x <> action_y AND object <> action_x AND object <> action_y
    """)
    eng.create_table("ct_contents", """
        SELECT action_x AS action_id FROM ct_pairs UNION SELECT action_y FROM ct_pairs
    """)
    eng.create_table("ct_ok", f"""
        SELECT DISTINCT action_id FROM ct_x
        WHERE account IN (
            SELECT account FROM ct_x WHERE action_id IN (SELECT action_id FROM ct_contents)
            GROUP BY account HAVING count(*) >= {mp})
          AND action_id IN (SELECT action_id FROM ct_contents)
    """)
    # Two outer joins, not "IN (...) OR IN (...)": Spark plans that disjunction as a nested
    # loop over both relations, which exhausted the driver's memory.
    eng.create_table("ct_kept", """
        SELECT p.* FROM ct_pairs p
        LEFT JOIN ct_ok ox ON ox.action_id = p.action_x
        LEFT JOIN ct_ok oy ON oy.action_id = p.action_y
        WHERE ox.action_id IS NOT NULL OR oy.action_id IS NOT NULL
    """)
    # Older content first, as CooRTweet orders its output (content_id older than content_id_y).
    eng.create_table("ct_edges", """
        SELECT behaviour, least(acc_x, acc_y) AS a, greatest(acc_x, acc_y) AS b,
               count(*) AS weight,
               avg(t_y - t_x) / 1e6 AS avg_time_delta,
               count(DISTINCT CASE WHEN acc_x = least(acc_x, acc_y) THEN action_x ELSE action_y END)
                   AS n_content_id,
               count(DISTINCT CASE WHEN acc_x = least(acc_x, acc_y) THEN action_y ELSE action_x END)
                   AS n_content_id_y
        FROM ct_kept GROUP BY behaviour, least(acc_x, acc_y), greatest(acc_x, acc_y)
    """)
    q = float(edge_weight)
    tbl = eng.table(f"""
        SELECT e.behaviour, e.a, e.b, e.weight, e.avg_time_delta, e.n_content_id,
               e.n_content_id_y,
               CAST(least(e.n_content_id, e.n_content_id_y) AS DOUBLE)
                   / greatest(e.n_content_id, e.n_content_id_y) AS edge_symmetry_score,
               CAST(e.weight > th.threshold AS INTEGER) AS weight_threshold
        FROM ct_edges e JOIN (
            SELECT behaviour, quantile_cont(weight, {q}) AS threshold
            FROM ct_edges GROUP BY behaviour
        ) AS th ON th.behaviour = e.behaviour
        {"WHERE e.weight > th.threshold" if subgraph == 1 else ""}
        ORDER BY e.behaviour, e.a, e.b
    """)
    eng.drop("events_named", "ct_x", "ct_pairs", "ct_contents", "ct_ok", "ct_kept", "ct_edges",
             "ev_src")
    return tbl


def cnt_network(engine: Engine | duckdb.DuckDBPyConnection, source: str, time_window: float,
                min_edge_weight: int = 1, behaviour: str | None = None,
                unique_ids: bool = False, names: str | None = None
                ) -> tuple[pa.Table, pa.Table]:
    """coordination-network-toolkit semantics on the relation ``source`` (one behaviour).
    Returns (directed edges, undirected edges).

    ``behaviour`` names the behaviour in the output (read from ``source`` when not given);
    ``unique_ids`` says that ``source`` holds each action id once (a one-row-per-action
    behaviour of a single platform), which saves checking it. With ``names``, the accounts and
    objects of ``source`` are hashes, and ``names`` is a relation ``(hash, name)`` that gives
    each account hash its one name (:mod:`swarmscope.hashed_names`); the output has names.

    CNT's weight needs every matching message, not ranks or a crowd cap, so this mode does not
    run the sweep of :mod:`~swarmscope.signals.coaction`: it joins the actions on ``(object,
    time bucket)`` with the two neighbouring buckets (buckets are ``time_window`` wide, so two
    actions within the window fall in the same or adjacent buckets) and keeps the pairs within
    the window. The join is an equi-join, which both engines run in parallel, and the weights
    are counted straight on names: no dense ids, no ranks.
    """
    eng = as_engine(engine)
    if behaviour is None:
        behaviour = eng.scalar(f"SELECT min(behaviour) FROM {source}")
    base = source
    # The toolkit keys messages by id: a repeated message id counts once (the earliest copy;
    # ties by account and object, so the choice does not depend on storage order).
    if not unique_ids and eng.scalar(
            f"SELECT count(*) > count(DISTINCT action_id) FROM {source}"):
        eng.create_table("cnt_x", f"""
            SELECT * EXCLUDE (dup) FROM (
                SELECT *, row_number() OVER (PARTITION BY action_id ORDER BY ts, account, object)
                       AS dup
                FROM {source}
            ) AS d WHERE dup = 1
        """)
        base = "cnt_x"
    w_us = int(round(time_window * 1_000_000))
    mew = int(min_edge_weight)
    # Directed weight: distinct messages of user_1 matched by a message of user_2 (DISTINCT
    # first: one message can match several of user_2's). Each row of ``base`` is one message
    # now, so any unique row id stands for the message id (a long string, never read here). A
    # random UUID is one that every thread draws on its own, where a row number made DuckDB
    # read and number the rows in a single thread. Two of 10^9 messages share a UUID
    # with a probability below 10^-19, and the ids do not depend on the data, so input cannot
    # be written to collide.
    eng.create_table("cnt_directed" if names is None else "cnt_hashed", f"""
        WITH b AS (
            SELECT account, object, t, gen_random_uuid() AS msg, t // {max(w_us, 1)} AS k
            FROM (SELECT account, object, epoch_us(ts) AS t FROM {base}) AS s
        ),
        y AS (
            SELECT account, object, t, k - 1 AS k FROM b
            UNION ALL SELECT account, object, t, k FROM b
            UNION ALL SELECT account, object, t, k + 1 AS k FROM b
        )
        SELECT user_1, user_2, count(*) AS weight
        FROM (
            SELECT DISTINCT x.account AS user_1, y.account AS user_2, x.msg
            FROM b AS x JOIN y ON y.object = x.object AND y.k = x.k
            WHERE abs(y.t - x.t) <= {w_us} AND x.account <> y.account
        ) AS matched
        GROUP BY user_1, user_2
        HAVING count(*) >= {mew}
    """)
    if names is not None:
        # Few edges: the table of names is read once, against the hashes of their accounts.
        eng.create_table("cnt_names", f"""
            SELECT hash, name FROM {names} SEMI JOIN (
                SELECT user_1 AS h FROM cnt_hashed UNION SELECT user_2 FROM cnt_hashed
            ) AS u ON u.h = hash
        """)
        eng.create_table("cnt_directed", """
            SELECT n1.name AS user_1, n2.name AS user_2, d.weight
            FROM cnt_hashed d JOIN cnt_names n1 ON n1.hash = d.user_1
                              JOIN cnt_names n2 ON n2.hash = d.user_2
        """)
    name = "CAST(NULL AS VARCHAR)" if behaviour is None else sql_literal(behaviour)
    directed = eng.table(f"""
        SELECT {name} AS behaviour, user_1, user_2, weight FROM cnt_directed
        ORDER BY user_1, user_2
    """)
    undirected = eng.table(f"""
        SELECT {name} AS behaviour, least(user_1, user_2) AS a, greatest(user_1, user_2) AS b,
               max(weight) AS weight
        FROM cnt_directed GROUP BY least(user_1, user_2), greatest(user_1, user_2)
        ORDER BY a, b
    """)
    eng.drop("cnt_x", "cnt_directed", "cnt_hashed", "cnt_names")
    return directed, undirected
