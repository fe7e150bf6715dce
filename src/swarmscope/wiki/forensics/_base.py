"""Shared plumbing of the forensics signals: the revision relation and the revert edges.

Every signal reads the ``wiki_revisions`` table (:mod:`swarmscope.wiki.reverts`) through a
DuckDB connection prepared by :func:`prepare`, which registers:

- ``rev``: the case's wiki revisions with the columns the signals need (``page_key`` groups a
  page's revisions exactly as ``wiki_revisions`` orders them: page id, else title); ``is_bot``
  is ``user_is_bot`` with unknown as false;
- ``revert_edges``: one row per (reverting revision, reverted user): who reverted whom, on which
  page, when. The reverted users are those of an identity revert (the users of the revisions
  in between), else the user named by the summary ("Reverted edits by X", "Undid revision N by
  X"), else the author of the revision an "Undid revision N" summary names. A user reverting
  their own edit, hidden users and reverts with no known victim are left out.

Data never enters SQL text: user names, titles and summaries stay in tables; the only values
interpolated are integers and constants of this package.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from ...case import Case
from ..reverts import TABLE as REVISIONS_TABLE
from ..reverts import compute_reverts
from ..revision import HIDDEN_USER_PREFIX

#: Namespaces SimilarUsers considers (article, talk, Draft).
SIMILAR_NAMESPACES = (0, 1, 118)


def ensure_revisions(case: Case) -> Case:
    """``case`` with an up-to-date ``wiki_revisions`` table: computed (default radius) when it
    is missing or holds another number of revisions than the case's wiki actions (revisions
    ingested from dumps after the last ``swarmscope wiki reverts``)."""
    if REVISIONS_TABLE in case.tables():
        con = case.connect()
        actions = con.sql("SELECT count(*) FROM actions WHERE kind IN ('edit', 'revert') "
                          "AND TRY_CAST(action_id AS BIGINT) IS NOT NULL").fetchall()[0][0]
        if actions == case.count(REVISIONS_TABLE):
            return case
    compute_reverts(case)
    return Case.open(case.path)


def prepare(case: Case, con: duckdb.DuckDBPyConnection | None = None,
            platform: str | None = None) -> duckdb.DuckDBPyConnection:
    """A connection with the temp tables ``rev`` and ``revert_edges`` (see the module doc)."""
    case = ensure_revisions(case)
    con = con or case.connect()
    where = "WHERE platform = $platform" if platform else ""
    params = {"platform": platform} if platform else {}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rev AS
        SELECT platform, revid,
               coalesce(CAST(page_id AS VARCHAR), 'title:' || coalesce(page, '')) AS page_key,
               page_id, page, coalesce(ns, 0) AS ns, "user", user_id,
               coalesce(anon, false) AS anon, coalesce(user_hidden, false) AS user_hidden,
               coalesce(user_is_bot, false) AS is_bot, user_is_bot,
               ts, epoch(ts) AS t, parent_id, page_creation, page_position AS pos, history_gap,
               sha1, size, size_diff, coalesce(minor, false) AS minor, tags, comment,
               comment_hidden, is_revert, identity_revert, tag_revert, summary_revert,
               reverted_revids, reverted_users, summary_undid_revid, summary_reverted_user,
               coalesce(self_revert, false) AS self_revert, was_reverted, reverted_by,
               reverted_by_user, has_text, cited_domains, domains_added, domains_removed
        FROM {REVISIONS_TABLE} {where}
    """, params)  # noqa: S608 - constant table name
    con.execute("""
        CREATE OR REPLACE TEMP TABLE revert_edges AS
        WITH r AS (
            SELECT x.platform, x.page_key, x.page, x.revid, x."user" AS reverter, x.ts, x.t,
                   x.is_bot AS reverter_is_bot, x.identity_revert,
                   CASE WHEN len(x.reverted_users) > 0 THEN x.reverted_users
                        WHEN x.summary_reverted_user IS NOT NULL THEN [x.summary_reverted_user]
                        WHEN u."user" IS NOT NULL THEN [u."user"]
                        ELSE []::VARCHAR[] END AS victims
            FROM rev x
            LEFT JOIN rev u ON u.platform = x.platform AND u.revid = x.summary_undid_revid
            WHERE x.is_revert AND NOT x.user_hidden AND NOT x.self_revert
        )
        SELECT platform, page_key, page, revid, reverter, reverted, ts, t, reverter_is_bot,
               identity_revert
        FROM (SELECT *, unnest(victims) AS reverted FROM r)
        WHERE reverted <> reverter AND NOT starts_with(reverted, $hidden)
    """, {"hidden": HIDDEN_USER_PREFIX})
    return con


def pages_table(pages: Iterable[str] | None) -> pa.Table | None:
    """An Arrow table of page titles (for joins), or None for "all pages"."""
    if pages is None:
        return None
    titles = sorted({p.replace("_", " ") for p in pages})
    return pa.table({"page": pa.array(titles, pa.string())})


def account_name(name: str) -> str:
    """A user name as MediaWiki stores it: underscores are spaces, the first letter upper case
    (``alice_b`` -> ``Alice b``)."""
    n = name.replace("_", " ").strip()
    return n[:1].upper() + n[1:]


def account_names(users: Iterable[str] | None) -> list[str] | None:
    """Sorted distinct :func:`account_name` of ``users`` (None stays None)."""
    if users is None:
        return None
    return sorted({account_name(u) for u in users if u.strip()})


def users_table(users: Iterable[str] | None) -> pa.Table | None:
    """An Arrow table of account names (see :func:`account_name`), or None."""
    names = account_names(users)
    if names is None:
        return None
    return pa.table({"account": pa.array(names, pa.string())})


def fetch(con: duckdb.DuckDBPyConnection, query: str, params: dict | list | None = None
          ) -> pa.Table:
    """Run ``query`` and return its full result as Arrow (never leaves a result open)."""
    return con.sql(query, params=params).to_arrow_table() if params else \
        con.sql(query).to_arrow_table()


def bh_qvalues(p: list[float] | tuple[float, ...], m: int | None = None) -> list[float]:
    """Benjamini-Hochberg q-values of ``p`` among ``m`` tests (``m`` >= len(p); the others
    count with p = 1)."""
    n = len(p)
    m = max(m or n, n)
    order = sorted(range(n), key=lambda i: p[i])
    q = [1.0] * n
    running = 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        q[i] = min(1.0, running)
    return q


def entropy(counts: Iterable[int]) -> float:
    """Shannon entropy (bits) of a distribution given by counts."""
    c = [x for x in counts if x > 0]
    total = sum(c)
    if total == 0:
        return 0.0
    return -sum(x / total * math.log2(x / total) for x in c)
