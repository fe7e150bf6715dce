"""Single-purpose accounts: edits concentrated on one page or topic, sleepers, starts after a
block.

Method
------
Per account (hidden user names and known bots left out), in SQL over ``wiki_revisions``:

- **Concentration**: edits, pages, the top page and its share of the account's edits, the
  share of the top ``top_k`` pages, and the same per **topic**, where a topic is a page with
  its talk page (``Talk:X`` and ``X`` are one topic; other namespaces keep their prefix);
  Shannon entropy of the account's edits over topics (bits) and normalised by the log of the
  number of topics (0 = one topic). ``single_purpose`` is set when the account made at least
  ``min_edits`` edits and its top ``top_k`` topics hold at least ``min_share`` of them
  (Wikipedia:Single-purpose account: "an account that edits only one topic or article").
- **Sleeper gap**: from registration (the latest ``wiki_accounts`` snapshot, ``swarmscope wiki
  accounts``) to the first edit *in the case*, in days; with the account's global edit count
  the share of its edits that the case holds. Without ``wiki_accounts`` these are NULL.
- **Starts after a block**: the account's first edit in the case and every restart after
  ``dormancy_days`` without edits are *burst starts*; a burst start within ``block_window_days``
  after another account was blocked (``wiki_accounts.block_timestamp``), where both accounts
  edited a common topic, lists that account in ``starts_after_block_of`` with the shortest
  gap. Only blocks ``list=users`` still reports (current blocks) are known.

Parameters: ``min_edits`` (5), ``top_k`` (2), ``min_share`` (0.9), ``dormancy_days`` (30),
``block_window_days`` (14).

Limitations: the case holds what was collected; an account's edits elsewhere on the wiki are
only visible through ``editcount`` (the share of them in the case). Topic = page + talk page
is crude; categories would be better but are not collected.

References
----------
- Wikipedia:Single-purpose account; Wikipedia:Sock puppetry (sleepers, block evasion).
- Niverthi, Verma & Kumar (2022), *Characterizing, detecting, and predicting online ban
  evasion*, WWW (child accounts created and started after the parent's block).
- Solorio, Hasan & Mizan (2013), *A case study of sockpuppet detection in Wikipedia*, LASM.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ._base import fetch

DEFAULT_MIN_EDITS = 5
DEFAULT_TOP_K = 2
DEFAULT_MIN_SHARE = 0.9
DEFAULT_DORMANCY_DAYS = 30
DEFAULT_BLOCK_WINDOW_DAYS = 14


def _has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.sql("SELECT count(*) FROM duckdb_views() WHERE view_name = $n",
                        params={"n": name}).fetchall()[0][0])


def compute_single_purpose(con: duckdb.DuckDBPyConnection, min_edits: int = DEFAULT_MIN_EDITS,
                           top_k: int = DEFAULT_TOP_K, min_share: float = DEFAULT_MIN_SHARE,
                           dormancy_days: float = DEFAULT_DORMANCY_DAYS,
                           block_window_days: float = DEFAULT_BLOCK_WINDOW_DAYS
                           ) -> dict[str, pa.Table]:
    """``wiki_single_purpose`` (``con`` prepared by :func:`._base.prepare`)."""
    if _has_view(con, "wiki_accounts"):
        con.execute("""
            CREATE OR REPLACE TEMP VIEW spa_accounts AS
            SELECT platform, name, arg_max(registration, fetched_at) AS registration,
                   arg_max(editcount, fetched_at) AS editcount,
                   arg_max(block_timestamp, fetched_at) AS block_timestamp,
                   arg_max(blocked, fetched_at) AS blocked
            FROM wiki_accounts GROUP BY platform, name
        """)
    else:
        con.execute("""
            CREATE OR REPLACE TEMP VIEW spa_accounts AS
            SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS name,
                   NULL::TIMESTAMPTZ AS registration, NULL::BIGINT AS editcount,
                   NULL::TIMESTAMPTZ AS block_timestamp, NULL::BOOLEAN AS blocked WHERE false
        """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE spa_edits AS
        SELECT platform, "user" AS account, page_key, page, ts, t, anon,
               -- a page and its talk page are one topic
               CASE WHEN ns = 1 AND starts_with(page, 'Talk:') THEN substr(page, 6)
                    ELSE page END AS topic
        FROM rev WHERE NOT user_hidden AND NOT is_bot
    """)
    table = fetch(con, """
        WITH n AS (
            SELECT platform, account, count(*) AS edits, count(DISTINCT page_key) AS pages,
                   count(DISTINCT topic) AS topics, bool_or(anon) AS is_ip,
                   min(ts) AS first_edit, max(ts) AS last_edit,
                   count(DISTINCT CAST(ts AS DATE)) AS active_days
            FROM spa_edits GROUP BY platform, account
        ),
        pg AS (
            SELECT platform, account, page, count(*) AS c,
                   row_number() OVER (PARTITION BY platform, account
                                      ORDER BY count(*) DESC, page) AS r
            FROM spa_edits GROUP BY platform, account, page
        ),
        tp AS (
            SELECT platform, account, topic, count(*) AS c,
                   row_number() OVER (PARTITION BY platform, account
                                      ORDER BY count(*) DESC, topic) AS r
            FROM spa_edits GROUP BY platform, account, topic
        ),
        pgs AS (
            SELECT platform, account, arg_min(page, r) AS top_page,
                   max(c) AS top_page_edits,
                   sum(c) FILTER (WHERE r <= $k) AS top_k_page_edits
            FROM pg GROUP BY platform, account
        ),
        tps AS (
            SELECT platform, account, arg_min(topic, r) AS top_topic,
                   max(c) AS top_topic_edits,
                   sum(c) FILTER (WHERE r <= $k) AS top_k_topic_edits,
                   -sum(c * log2(c)) AS c_log_c
            FROM tp GROUP BY platform, account
        ),
        bursts AS (
            SELECT platform, account, ts AS start, t FROM (
                SELECT platform, account, ts, t, t - lag(t) OVER (
                    PARTITION BY platform, account ORDER BY t) AS gap
                FROM spa_edits)
            WHERE gap IS NULL OR gap >= $dormancy
        ),
        after_block AS (
            SELECT b.platform, b.account, a.name AS blocked_account,
                   (b.t - epoch(a.block_timestamp)) / 86400.0 AS gap_days
            FROM bursts b
            JOIN spa_accounts a ON a.platform = b.platform AND a.name <> b.account
             AND a.block_timestamp IS NOT NULL
             AND b.t >= epoch(a.block_timestamp)
             AND b.t - epoch(a.block_timestamp) <= $window
            WHERE EXISTS (SELECT 1 FROM spa_edits x JOIN spa_edits y
                          ON y.platform = x.platform AND y.topic = x.topic
                          WHERE x.platform = b.platform AND x.account = b.account
                            AND y.account = a.name)
        ),
        ab AS (
            SELECT platform, account, list(DISTINCT blocked_account ORDER BY blocked_account)
                       AS starts_after_block_of,
                   min(gap_days) AS days_after_block
            FROM after_block GROUP BY platform, account
        )
        SELECT n.platform, n.account, n.is_ip, n.edits, n.pages, n.topics,
               pgs.top_page, pgs.top_page_edits / n.edits AS top_page_share,
               pgs.top_k_page_edits / n.edits AS top_k_page_share,
               tps.top_topic, tps.top_topic_edits / n.edits AS top_topic_share,
               tps.top_k_topic_edits / n.edits AS top_k_topic_share,
               log2(n.edits) + tps.c_log_c / n.edits AS topic_entropy_bits,
               CASE WHEN n.topics > 1 THEN (log2(n.edits) + tps.c_log_c / n.edits)
                                            / log2(n.topics) ELSE 0 END AS topic_entropy_norm,
               (n.edits >= $min_edits AND tps.top_k_topic_edits / n.edits >= $min_share)
                   AS single_purpose,
               n.first_edit, n.last_edit, n.active_days,
               acc.registration, acc.editcount,
               CASE WHEN acc.editcount > 0 THEN n.edits / acc.editcount END
                   AS case_share_of_editcount,
               (epoch(n.first_edit) - epoch(acc.registration)) / 86400.0 AS sleeper_days,
               acc.blocked, acc.block_timestamp,
               ab.starts_after_block_of, ab.days_after_block
        FROM n
        JOIN pgs USING (platform, account)
        JOIN tps USING (platform, account)
        LEFT JOIN spa_accounts acc ON acc.platform = n.platform AND acc.name = n.account
        LEFT JOIN ab ON ab.platform = n.platform AND ab.account = n.account
        ORDER BY single_purpose DESC, top_k_topic_share DESC, n.edits DESC, n.account
    """, {"k": int(top_k), "min_edits": int(min_edits), "min_share": float(min_share),
          "dormancy": float(dormancy_days) * 86400.0,
          "window": float(block_window_days) * 86400.0})
    return {"wiki_single_purpose": table}
