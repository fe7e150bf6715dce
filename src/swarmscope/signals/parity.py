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

import duckdb
import pyarrow as pa

from .coaction import prepare_events


def coortweet_network(con: duckdb.DuckDBPyConnection, source: str, time_window: float,
                      min_participation: int = 2, edge_weight: float = 0.5,
                      subgraph: int = 1) -> pa.Table:
    """CooRTweet 2.x semantics (see module docstring). Returns edges (a, b, weight,
    avg_time_delta, n_content_id, n_content_id_y, edge_symmetry_score, weight_threshold)."""
    mp = int(min_participation)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ct_x AS
        SELECT * FROM {source}
        WHERE account IN (SELECT account FROM {source} GROUP BY account HAVING count(*) >= {mp})
    """)
    prepare_events(con, "ct_x", time_window, max_neighbours=None)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ct_pairs AS
        SELECT * FROM events_named
        WHERE action_x <> action_y AND object <> action_x AND object <> action_y
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ct_ok AS
        SELECT action_id FROM ct_x
        WHERE account IN (
            SELECT account FROM ct_x
            WHERE action_id IN (SELECT action_x FROM ct_pairs UNION SELECT action_y FROM ct_pairs)
            GROUP BY account HAVING count(*) >= {mp})
          AND action_id IN (SELECT action_x FROM ct_pairs UNION SELECT action_y FROM ct_pairs)
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ct_kept AS
        SELECT * FROM ct_pairs
        WHERE action_x IN (SELECT action_id FROM ct_ok) OR action_y IN (SELECT action_id FROM ct_ok)
    """)
    # Older content first, as CooRTweet orders its output (content_id older than content_id_y).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ct_edges AS
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
    tbl = con.sql(f"""
        WITH th AS (SELECT behaviour, quantile_cont(weight, {q}) AS threshold
                    FROM ct_edges GROUP BY behaviour)
        SELECT e.behaviour, e.a, e.b, e.weight, e.avg_time_delta, e.n_content_id,
               e.n_content_id_y,
               least(e.n_content_id, e.n_content_id_y)::DOUBLE
                   / greatest(e.n_content_id, e.n_content_id_y) AS edge_symmetry_score,
               (e.weight > th.threshold)::INTEGER AS weight_threshold
        FROM ct_edges e JOIN th USING (behaviour)
        {"WHERE e.weight > th.threshold" if subgraph == 1 else ""}
        ORDER BY e.behaviour, e.a, e.b
    """).to_arrow_table()
    return tbl


def cnt_network(con: duckdb.DuckDBPyConnection, source: str, time_window: float,
                min_edge_weight: int = 1) -> tuple[pa.Table, pa.Table]:
    """coordination-network-toolkit semantics. Returns (directed edges, undirected edges)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cnt_x AS
        SELECT * FROM {source}
        QUALIFY row_number() OVER (PARTITION BY behaviour, action_id ORDER BY ts, account) = 1
    """)
    prepare_events(con, "cnt_x", time_window, max_neighbours=None)
    mew = int(min_edge_weight)
    directed = con.sql(f"""
        WITH both_dirs AS (
            SELECT behaviour, acc_x AS user_1, acc_y AS user_2, action_x AS message
            FROM events_named
            UNION ALL
            SELECT behaviour, acc_y AS user_1, acc_x AS user_2, action_y AS message
            FROM events_named
        )
        SELECT behaviour, user_1, user_2, count(DISTINCT message) AS weight
        FROM both_dirs GROUP BY behaviour, user_1, user_2
        HAVING count(DISTINCT message) >= {mew}
        ORDER BY behaviour, user_1, user_2
    """).to_arrow_table()
    con.register("cnt_directed", directed)
    undirected = con.sql("""
        SELECT behaviour, least(user_1, user_2) AS a, greatest(user_1, user_2) AS b,
               max(weight) AS weight
        FROM cnt_directed GROUP BY behaviour, least(user_1, user_2), greatest(user_1, user_2)
        ORDER BY behaviour, a, b
    """).to_arrow_table()
    con.unregister("cnt_directed")
    return directed, undirected
