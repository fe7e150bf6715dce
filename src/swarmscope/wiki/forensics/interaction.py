"""Editor interaction: where a set of accounts met, and how closely in time (Editor Interaction
Analyser parity).

Method
------
For a set of accounts (``users``), in SQL over ``wiki_revisions``:

- **pages in common**: every page edited by at least two of the accounts (``require_all``:
  by all of them, the Analyser's "allusers" option), in any namespace unless ``namespaces`` is
  given;
- per page, the accounts' edits in page order; the **minimum time between consecutive edits by
  different accounts** of the set (the smallest gap between any two edits of two different
  accounts is always between two such consecutive edits, so this is the Analyser's "minimum
  time between edits"), the two accounts and revisions that achieve it, and **who edited
  first**;
- per page and account (``wiki_interactions``): edits, first and last edit, and the page-level
  figures above;
- the **interaction timeline** (``wiki_interaction_timeline``, as the Interaction Timeline tool
  shows it): every edit of the accounts on those pages in time order, with the gap to the
  previous entry of the timeline and to the previous edit of the set on the same page, who made
  that one, and whether the page changed hands (``switch``); reverts are marked with whom they
  reverted.

Nothing is truncated (web tools bound what they read per request). Edits by accounts
outside the set between two edits of the set do not break a gap: the gap is between the set's
own edits, as in the Analyser. Hidden user names are never part of the set.

Parameters: ``users`` (names; underscores are spaces), ``namespaces`` (None: all),
``require_all`` (False).

References
----------
- Editor Interaction Analyser (https://sigma.toolforge.org/editorinteract.py) and Interaction
  Timeline (https://interaction-timeline.toolforge.org), the tools sockpuppet investigation
  clerks use today.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from ._base import fetch, users_table


def compute_interactions(con: duckdb.DuckDBPyConnection, users: Iterable[str],
                         namespaces: Iterable[int] | None = None, require_all: bool = False
                         ) -> dict[str, pa.Table]:
    """``wiki_interactions`` and ``wiki_interaction_timeline`` for ``users`` (``con`` prepared
    by :func:`._base.prepare`)."""
    sel = users_table(users)
    assert sel is not None
    con.register("ia_users_sel", sel)
    ns = sorted({int(n) for n in namespaces}) if namespaces is not None else None
    con.register("ia_ns_sel", pa.table({"ns": pa.array(ns or [], pa.int32())}))
    ns_filter = "AND r.ns IN (SELECT ns FROM ia_ns_sel)" if ns is not None else ""
    need = sel.num_rows if require_all else 2
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ia_edits AS
        WITH e AS (
            SELECT r.* FROM rev r
            WHERE r."user" IN (SELECT account FROM ia_users_sel) AND NOT r.user_hidden {ns_filter}
        ),
        common AS (
            SELECT platform, page_key FROM e GROUP BY platform, page_key
            HAVING count(DISTINCT "user") >= $need
        )
        SELECT e.*,
               lag("user") OVER w AS prev_user, lag(t) OVER w AS prev_t,
               lag(revid) OVER w AS prev_revid
        FROM e JOIN common USING (platform, page_key)
        WINDOW w AS (PARTITION BY e.platform, e.page_key ORDER BY e.pos)
    """, {"need": int(need)})  # noqa: S608 - constant filter
    pages = fetch(con, """
        WITH g AS (
            SELECT platform, page_key, t - prev_t AS gap, prev_user, "user", prev_revid, revid
            FROM ia_edits WHERE prev_user IS NOT NULL AND prev_user <> "user"
        ),
        gmin AS (
            SELECT platform, page_key, min(gap) AS min_gap_s,
                   arg_min([prev_user, "user"], (gap, revid)) AS min_gap_accounts,
                   arg_min([prev_revid, revid], (gap, revid)) AS min_gap_revids,
                   count(*) AS switches
            FROM g GROUP BY platform, page_key
        ),
        p AS (
            SELECT platform, page_key, any_value(page_id) AS page_id, any_value(page) AS page,
                   any_value(ns) AS ns, count(DISTINCT "user") AS n_accounts,
                   list(DISTINCT "user" ORDER BY "user") AS accounts,
                   arg_min("user", pos) AS first_account, min(ts) AS first_edit,
                   count(*) AS edits
            FROM ia_edits GROUP BY platform, page_key
        )
        SELECT p.*, gmin.min_gap_s, gmin.min_gap_accounts, gmin.min_gap_revids,
               coalesce(gmin.switches, 0) AS switches
        FROM p LEFT JOIN gmin USING (platform, page_key)
    """)
    con.register("ia_pages", pages)
    interactions = fetch(con, """
        SELECT p.platform, p.page_id, p.page, p.ns, e."user" AS account,
               count(*) AS edits, min(e.ts) AS first_edit, max(e.ts) AS last_edit,
               arg_min(e.revid, e.pos) AS first_revid,
               count(*) FILTER (WHERE e.is_revert) AS reverts,
               any_value(p.n_accounts) AS n_accounts, any_value(p.accounts) AS accounts,
               any_value(p.first_account) AS first_account,
               any_value(p.edits) AS page_edits_by_set,
               any_value(p.min_gap_s) AS min_gap_s,
               any_value(p.min_gap_accounts) AS min_gap_accounts,
               any_value(p.min_gap_revids) AS min_gap_revids,
               any_value(p.switches) AS switches
        FROM ia_edits e JOIN ia_pages p USING (platform, page_key)
        GROUP BY p.platform, p.page_key, p.page_id, p.page, p.ns, e."user"
        ORDER BY min_gap_s NULLS LAST, p.page, first_edit, account
    """)
    timeline = fetch(con, """
        SELECT row_number() OVER (ORDER BY ts, revid) AS seq, platform, ts, page_id, page, ns,
               "user" AS account, revid, comment, size_diff, is_revert,
               CASE WHEN is_revert THEN reverted_users END AS reverted_users,
               t - lag(t) OVER (ORDER BY ts, revid) AS gap_prev_s,
               lag("user") OVER (ORDER BY ts, revid) AS prev_account,
               t - prev_t AS gap_prev_page_s, prev_user AS prev_account_page,
               coalesce(prev_user <> "user", false) AS switch
        FROM ia_edits
        ORDER BY seq
    """)
    return {"wiki_interactions": interactions, "wiki_interaction_timeline": timeline}
