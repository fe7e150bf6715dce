"""The revert network (who reverts whom) and the edit-war M-statistic of each page.

Method
------
**Revert network** (``wiki_revert_network``): a directed graph, reverter -> reverted, built
from the revert edges of :mod:`._base` (identity reverts name every user whose revisions were
undone; otherwise the user a revert summary names). One row per (reverter, reverted) with the
number of reverts, the pages, first and last time, whether the relation is **mutual** (each
reverted the other at least once, anywhere in the case), how many were identity reverts, and
whether the reverted account is an IP and the reverter a known bot. ``wiki_revert_accounts``
summarises each account: reverts made and received, distinct opponents and reverters, pages.

**Edit-war M-statistic** (``wiki_edit_wars``, Sumi et al. 2011; Yasseri et al. 2012): per page,
a *mutual revert pair* is two editors who reverted each other at least once on that page. With
``N_u`` the number of edits of editor ``u`` on the page,

    M = E * sum over mutual pairs (d, r), except the one with the largest min(N_d, N_r),
        of min(N_d, N_r)

where ``E`` is the number of distinct editors in mutual pairs. Excluding the topmost pair
discounts a war between two editors only; weighting by the smaller edit count discounts
reverts of newcomers and vandals by experienced editors. Each mutual pair counts once (not
once per revert). M = 0 without two mutual pairs; Sumi et al. call pages with M in the
thousands controversial on English Wikipedia-wide data, but M grows with the number of
revisions in the case, so compare pages of similar histories.

Parameters: none beyond the reverts of ``wiki_revisions`` (its radius).

References
----------
- Sumi, Yasseri, Rung, Kornai & Kertész (2011), *Edit wars in Wikipedia*, IEEE SocialCom.
- Yasseri, Sumi, Rung, Kornai & Kertész (2012), *Dynamics of conflicts in Wikipedia*, PLoS ONE
  7(6): e38869.
- Kittur, Suh, Pendleton & Chi (2007), *He says, she says: conflict and coordination in
  Wikipedia*, CHI (revert counts as conflict signal).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ._base import fetch


def revert_network(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_revert_network``: one row per directed (reverter, reverted) pair."""
    return fetch(con, """
        WITH e AS (
            SELECT platform, reverter, reverted, count(*) AS reverts,
                   count(DISTINCT page_key) AS n_pages,
                   list(DISTINCT page ORDER BY page) AS pages,
                   min(ts) AS first_revert, max(ts) AS last_revert,
                   count(*) FILTER (WHERE identity_revert) AS identity_reverts,
                   bool_or(reverter_is_bot) AS reverter_is_bot
            FROM revert_edges GROUP BY platform, reverter, reverted
        ),
        ip AS (SELECT DISTINCT platform, "user" FROM rev WHERE anon)
        SELECT e.platform, e.reverter, e.reverted, e.reverts, e.n_pages, e.pages,
               e.first_revert, e.last_revert, e.identity_reverts,
               EXISTS (SELECT 1 FROM e AS back WHERE back.platform = e.platform
                       AND back.reverter = e.reverted AND back.reverted = e.reverter) AS mutual,
               e.reverter_is_bot,
               ip."user" IS NOT NULL AS reverted_is_ip
        FROM e LEFT JOIN ip ON ip.platform = e.platform AND ip."user" = e.reverted
        ORDER BY e.reverts DESC, e.reverter, e.reverted
    """)


def revert_accounts(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_revert_accounts``: reverts made and received per account."""
    return fetch(con, """
        WITH made AS (
            SELECT platform, reverter AS account, count(DISTINCT revid) AS reverts_made,
                   count(DISTINCT reverted) AS opponents,
                   count(DISTINCT page_key) AS pages_reverting
            FROM revert_edges GROUP BY platform, reverter
        ),
        got AS (
            SELECT platform, reverted AS account, count(*) AS times_reverted,
                   count(DISTINCT reverter) AS reverters,
                   count(DISTINCT page_key) AS pages_reverted
            FROM revert_edges GROUP BY platform, reverted
        ),
        edits AS (
            SELECT platform, "user" AS account, count(*) AS edits, bool_or(anon) AS is_ip,
                   bool_or(is_bot) AS is_bot
            FROM rev WHERE NOT user_hidden GROUP BY platform, "user"
        )
        SELECT coalesce(m.platform, g.platform) AS platform,
               coalesce(m.account, g.account) AS account,
               ed.edits, ed.is_ip, ed.is_bot,
               coalesce(m.reverts_made, 0) AS reverts_made,
               coalesce(m.opponents, 0) AS opponents,
               coalesce(m.pages_reverting, 0) AS pages_reverting,
               coalesce(g.times_reverted, 0) AS times_reverted,
               coalesce(g.reverters, 0) AS reverters,
               coalesce(g.pages_reverted, 0) AS pages_reverted,
               CASE WHEN ed.edits > 0 THEN coalesce(m.reverts_made, 0) / ed.edits END
                   AS revert_share
        FROM made m FULL OUTER JOIN got g ON g.platform = m.platform AND g.account = m.account
        LEFT JOIN edits ed ON ed.platform = coalesce(m.platform, g.platform)
             AND ed.account = coalesce(m.account, g.account)
        ORDER BY reverts_made DESC, times_reverted DESC, account
    """)


def edit_wars(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_edit_wars``: the M-statistic of every page with at least one mutual revert."""
    return fetch(con, """
        WITH d AS (
            SELECT DISTINCT platform, page_key, reverter, reverted FROM revert_edges
        ),
        pairs AS (
            SELECT a.platform, a.page_key, a.reverter AS u, a.reverted AS v
            FROM d a JOIN d b ON b.platform = a.platform AND b.page_key = a.page_key
                 AND b.reverter = a.reverted AND b.reverted = a.reverter
            WHERE a.reverter < a.reverted
        ),
        n AS (
            SELECT platform, page_key, "user", count(*) AS edits FROM rev
            WHERE NOT user_hidden GROUP BY platform, page_key, "user"
        ),
        w AS (
            SELECT p.platform, p.page_key, p.u, p.v,
                   least(coalesce(nu.edits, 0), coalesce(nv.edits, 0)) AS weight
            FROM pairs p
            LEFT JOIN n nu ON nu.platform = p.platform AND nu.page_key = p.page_key
                 AND nu."user" = p.u
            LEFT JOIN n nv ON nv.platform = p.platform AND nv.page_key = p.page_key
                 AND nv."user" = p.v
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY platform, page_key
                                         ORDER BY weight DESC, u, v) AS r
            FROM w
        ),
        people AS (
            SELECT platform, page_key, count(DISTINCT x) AS e FROM (
                SELECT platform, page_key, u AS x FROM pairs
                UNION ALL SELECT platform, page_key, v AS x FROM pairs
            ) GROUP BY platform, page_key
        ),
        m AS (
            SELECT r.platform, r.page_key, count(*) AS mutual_pairs,
                   coalesce(sum(weight) FILTER (WHERE r > 1), 0) AS weight_sum,
                   arg_min([u, v], r) AS top_pair, max(weight) AS top_pair_weight,
                   list([u, v] ORDER BY weight DESC, u, v) AS pairs
            FROM ranked r GROUP BY r.platform, r.page_key
        ),
        pg AS (
            SELECT platform, page_key, any_value(page_id) AS page_id, any_value(page) AS page,
                   count(*) AS revisions, count(*) FILTER (WHERE is_revert) AS reverts
            FROM rev GROUP BY platform, page_key
        )
        SELECT pg.platform, pg.page_id, pg.page, pg.revisions, pg.reverts,
               m.mutual_pairs, people.e AS editors_in_mutual_reverts,
               CAST(people.e * m.weight_sum AS BIGINT) AS m_statistic,
               m.top_pair, m.top_pair_weight, m.pairs
        FROM m JOIN pg USING (platform, page_key)
        JOIN people USING (platform, page_key)
        ORDER BY m_statistic DESC, mutual_pairs DESC, pg.page
    """)
