"""Page statistics: who wrote a page, how fast it is edited, and its readership (XTools parity).

Method
------
Computed in SQL over ``wiki_revisions`` (every revision of the case, no cap: XTools' Page
History refuses pages over 50,000 revisions), per page in ``page_position`` order:

- per editor (``wiki_page_editors``): edits, minor edits, first and last edit, average days
  between edits (``(last - first) / (edits - 1)``, XTools' ``atbe``), edits reverted, reverts
  made, **added bytes**, shares of the page's edits and added bytes, rank by edits and by added
  bytes. Hidden user names (RevisionDelete) count in the page totals but are no editor.
- per page (``wiki_page_stats``): revisions, editors, IP / minor / bot edits and shares, first
  and last edit and editor, total days, XTools' average days per edit (``total days /
  revisions``, whole days) and the exact mean gap (``(last - first) / (revisions - 1)``), edits
  per editor, the share of edits made by the top 10 human editors (XTools' "top 10" figure) and
  by the top 10% of human editors, added bytes, reverts, largest addition and removal, and page
  views (total, days, mean per day) when ``wiki_pageviews`` holds the page;
- per page and UTC day (``wiki_page_activity``): edits, editors, reverts, added bytes and that
  day's page views, so bursts of editing can be read against readership.

**Added bytes** are the positive size differences of edits that are neither reverts nor
reverted: a revision reverted by *any* later revision within the revert radius (identity
reverts, radius 15 by default, or an "Undid revision N" summary; see
:mod:`swarmscope.wiki.reverts`) adds nothing. XTools only discounts an edit when the *very
next* edit reverts it (its SHA-1 equals the one before the edit, or the summary says revert),
so vandalism undone two edits later still counts as added text there; ``xtools_added_bytes``
reproduces XTools' rule for comparison. A page's first revision in the case counts its whole
size when it has no parent (a page creation); a revision whose parent is missing from the case
adds nothing (unknown, not zero). An edit that was reverted is not credited even if a later
revert restored it (edit wars); the content then reappears under the restorer's name as a
revert, which adds nothing either.

Parameters: ``pages`` limits the output to these titles (default: every page of the case);
``top`` (10) and ``top_share`` (0.1) define the two concentration figures.

Bots are the accounts ``wiki_accounts`` says are in the ``bot`` group (``swarmscope wiki
accounts``); without that table no edit is counted as a bot's (``bots_known`` is false).

Page views: ``wiki_pageviews`` may hold several access/agent combinations per day; the row for
``all-access`` and ``user`` is preferred, else ``all-access``, else any.

References
----------
- XTools Page History (``PageInfo.php``, https://github.com/x-tools/xtools), the figures
  administrators read today; differences are documented above and in ``docs/wiki-forensics.md``.
- Halfaker et al., identity reverts: https://meta.wikimedia.org/wiki/Research:Revert
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from ._base import fetch, pages_table

DEFAULT_TOP = 10
DEFAULT_TOP_SHARE = 0.1


def _scope(con: duckdb.DuckDBPyConnection, pages: Iterable[str] | None) -> None:
    sel = pages_table(pages)
    if sel is None:
        con.execute("CREATE OR REPLACE TEMP VIEW ps_rev AS SELECT * FROM rev")
        return
    con.register("ps_pages_sel", sel)
    con.execute("CREATE OR REPLACE TEMP VIEW ps_rev AS SELECT * FROM rev "
                "WHERE page IN (SELECT page FROM ps_pages_sel)")


def _revision_bytes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_bytes AS
        WITH b AS (
            SELECT *,
                coalesce(size_diff,
                         CASE WHEN pos = 1 AND parent_id IS NULL THEN size END) AS base_diff,
                -- XTools: a revert restores the checksum of the revision before the previous one
                -- (or its summary/tags say revert)
                (coalesce(sha1 = lag(sha1, 2) OVER w, false) OR tag_revert OR summary_revert)
                    AS xt_revert
            FROM ps_rev
            WINDOW w AS (PARTITION BY platform, page_key ORDER BY pos)
        )
        SELECT *,
            CASE WHEN NOT is_revert AND NOT was_reverted AND base_diff > 0 THEN base_diff
                 ELSE 0 END AS added,
            CASE WHEN NOT xt_revert AND base_diff > 0
                      AND NOT coalesce(lead(xt_revert) OVER w, false) THEN base_diff
                 ELSE 0 END AS xt_added
        FROM b
        WINDOW w AS (PARTITION BY platform, page_key ORDER BY pos)
    """)


def page_editors(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_page_editors``: one row per page and editor (needs :func:`_revision_bytes`)."""
    return fetch(con, """
        WITH e AS (
            SELECT platform, page_key, any_value(page_id) AS page_id, any_value(page) AS page,
                   "user" AS editor, bool_or(anon) AS is_ip, bool_or(is_bot) AS is_bot,
                   count(*) AS edits, count(*) FILTER (WHERE minor) AS minor_edits,
                   min(ts) AS first_edit, max(ts) AS last_edit,
                   arg_min(revid, pos) AS first_revid, arg_max(revid, pos) AS last_revid,
                   count(*) FILTER (WHERE is_revert) AS reverts_made,
                   count(*) FILTER (WHERE was_reverted) AS edits_reverted,
                   CAST(sum(added) AS BIGINT) AS added_bytes,
                   CAST(sum(xt_added) AS BIGINT) AS xtools_added_bytes
            FROM ps_bytes WHERE NOT user_hidden
            GROUP BY platform, page_key, "user"
        ),
        tot AS (
            SELECT platform, page_key, count(*) AS revisions,
                   CAST(sum(added) AS BIGINT) AS page_added
            FROM ps_bytes GROUP BY platform, page_key
        )
        SELECT e.platform, e.page_id, e.page, e.editor, e.is_ip, e.is_bot,
               e.edits, e.minor_edits,
               e.edits / tot.revisions AS share_edits,
               row_number() OVER (PARTITION BY e.platform, e.page_key
                                  ORDER BY e.edits DESC, e.added_bytes DESC, e.editor)
                   AS rank_by_edits,
               e.added_bytes, e.xtools_added_bytes,
               CASE WHEN tot.page_added > 0 THEN e.added_bytes / tot.page_added END
                   AS share_added,
               row_number() OVER (PARTITION BY e.platform, e.page_key
                                  ORDER BY e.added_bytes DESC, e.edits DESC, e.editor)
                   AS rank_by_added,
               e.first_edit, e.last_edit, e.first_revid, e.last_revid,
               CASE WHEN e.edits > 1 THEN
                   (epoch(e.last_edit) - epoch(e.first_edit)) / 86400.0 / (e.edits - 1)
               END AS avg_days_between_edits,
               e.reverts_made, e.edits_reverted
        FROM e JOIN tot USING (platform, page_key)
        ORDER BY e.platform, e.page, rank_by_edits
    """)


def page_stats(con: duckdb.DuckDBPyConnection, top: int = DEFAULT_TOP,
               top_share: float = DEFAULT_TOP_SHARE, editors: str = "ps_editors") -> pa.Table:
    """``wiki_page_stats``: one row per page (``editors`` names the registered editors table)."""
    views = _pageviews_relation(con)
    return fetch(con, f"""
        WITH p AS (
            SELECT platform, page_key, any_value(page_id) AS page_id, any_value(page) AS page,
                   any_value(ns) AS ns, count(*) AS revisions,
                   count(DISTINCT "user") FILTER (WHERE NOT user_hidden) AS editors,
                   count(*) FILTER (WHERE anon) AS ip_edits,
                   count(*) FILTER (WHERE minor) AS minor_edits,
                   count(*) FILTER (WHERE is_bot) AS bot_edits,
                   bool_or(user_is_bot IS NOT NULL) AS bots_known,
                   count(*) FILTER (WHERE user_hidden) AS hidden_user_edits,
                   min(ts) AS first_edit, max(ts) AS last_edit,
                   CASE WHEN NOT arg_min(user_hidden, pos) THEN arg_min("user", pos) END
                       AS first_editor,
                   CASE WHEN NOT arg_max(user_hidden, pos) THEN arg_max("user", pos) END
                       AS last_editor,
                   arg_max(size, pos) AS size_latest,
                   CAST(sum(added) AS BIGINT) AS added_bytes,
                   CAST(sum(xt_added) AS BIGINT) AS xtools_added_bytes,
                   count(*) FILTER (WHERE is_revert) AS reverts,
                   count(*) FILTER (WHERE xt_revert) AS xtools_reverts,
                   count(*) FILTER (WHERE was_reverted) AS reverted_edits,
                   arg_max(revid, base_diff) FILTER (WHERE base_diff > 0 AND NOT is_revert
                                                      AND NOT was_reverted) AS max_addition_revid,
                   max(base_diff) FILTER (WHERE base_diff > 0 AND NOT is_revert
                                          AND NOT was_reverted) AS max_addition_bytes,
                   arg_min(revid, base_diff) FILTER (WHERE base_diff < 0 AND NOT is_revert
                                                      AND NOT was_reverted) AS max_removal_revid,
                   min(base_diff) FILTER (WHERE base_diff < 0 AND NOT is_revert
                                          AND NOT was_reverted) AS max_removal_bytes,
                   count(*) FILTER (WHERE history_gap) AS history_gaps
            FROM ps_bytes GROUP BY platform, page_key
        ),
        humans AS (
            SELECT platform, page_id, page, edits,
                   row_number() OVER (PARTITION BY platform, page_id, page
                                      ORDER BY edits DESC, editor) AS r,
                   count(*) OVER (PARTITION BY platform, page_id, page) AS n
            FROM {editors} WHERE NOT is_bot
        ),
        conc AS (
            SELECT platform, page_id, page,
                   CAST(sum(edits) FILTER (WHERE r <= $top) AS BIGINT) AS top_edits,
                   CAST(sum(edits) FILTER (WHERE r <= ceil(n * $share)) AS BIGINT)
                       AS top_share_edits,
                   any_value(CAST(ceil(n * $share) AS BIGINT)) AS top_share_editors
            FROM humans GROUP BY platform, page_id, page
        ),
        v AS (
            SELECT platform, title AS page, CAST(sum(views) AS BIGINT) AS pageviews_total,
                   count(*) AS pageview_days, min(date) AS pageviews_from,
                   max(date) AS pageviews_to
            FROM {views} GROUP BY platform, title
        )
        SELECT p.platform, p.page_id, p.page, p.ns, p.revisions, p.editors,
               p.ip_edits, p.ip_edits / p.revisions AS ip_share,
               p.minor_edits, p.minor_edits / p.revisions AS minor_share,
               p.bot_edits, p.bot_edits / p.revisions AS bot_share, p.bots_known,
               p.hidden_user_edits,
               p.first_edit, p.first_editor, p.last_edit, p.last_editor,
               CAST(floor((epoch(p.last_edit) - epoch(p.first_edit)) / 86400) AS BIGINT)
                   AS total_days,
               round(floor((epoch(p.last_edit) - epoch(p.first_edit)) / 86400) / p.revisions, 1)
                   AS avg_days_per_edit,
               CASE WHEN p.revisions > 1 THEN
                   (epoch(p.last_edit) - epoch(p.first_edit)) / 86400.0 / (p.revisions - 1)
               END AS mean_days_between_edits,
               CASE WHEN p.editors > 0 THEN p.revisions / p.editors END AS edits_per_editor,
               coalesce(c.top_edits, 0) AS top10_edits,
               coalesce(c.top_edits, 0) / p.revisions AS top10_share,
               coalesce(c.top_share_editors, 0) AS top10pct_editors,
               coalesce(c.top_share_edits, 0) / p.revisions AS top10pct_share,
               p.added_bytes, p.xtools_added_bytes, p.size_latest,
               p.reverts, p.xtools_reverts, p.reverted_edits,
               p.max_addition_revid, p.max_addition_bytes,
               p.max_removal_revid, p.max_removal_bytes, p.history_gaps,
               v.pageviews_total, v.pageview_days,
               CASE WHEN v.pageview_days > 0 THEN v.pageviews_total / v.pageview_days END
                   AS pageviews_per_day,
               v.pageviews_from, v.pageviews_to
        FROM p
        LEFT JOIN conc c ON c.platform = p.platform AND c.page_id IS NOT DISTINCT FROM p.page_id
             AND c.page = p.page
        LEFT JOIN v ON v.platform = p.platform AND v.page = p.page
        ORDER BY p.platform, p.page
    """, {"top": int(top), "share": float(top_share)})  # noqa: S608 - relation names only


def page_activity(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_page_activity``: edits and page views per page and UTC day."""
    views = _pageviews_relation(con)
    return fetch(con, f"""
        WITH d AS (
            SELECT platform, any_value(page_id) AS page_id, page,
                   CAST(ts AS DATE) AS date, count(*) AS edits,
                   count(DISTINCT "user") FILTER (WHERE NOT user_hidden) AS editors,
                   count(*) FILTER (WHERE is_revert) AS reverts,
                   CAST(sum(added) AS BIGINT) AS added_bytes
            FROM ps_bytes GROUP BY platform, page, CAST(ts AS DATE)
        ),
        v AS (
            SELECT platform, title AS page, date, views FROM {views}
            WHERE title IN (SELECT page FROM ps_bytes)
        )
        SELECT coalesce(d.platform, v.platform) AS platform, d.page_id,
               coalesce(d.page, v.page) AS page, coalesce(d.date, v.date) AS date,
               coalesce(d.edits, 0) AS edits, coalesce(d.editors, 0) AS editors,
               coalesce(d.reverts, 0) AS reverts, coalesce(d.added_bytes, 0) AS added_bytes,
               v.views
        FROM d FULL OUTER JOIN v
          ON v.platform = d.platform AND v.page = d.page AND v.date = d.date
        ORDER BY platform, page, date
    """)  # noqa: S608 - relation names only


def _pageviews_relation(con: duckdb.DuckDBPyConnection) -> str:
    """A view with one row per (platform, title, date): the preferred access/agent row."""
    has = con.sql("SELECT count(*) FROM duckdb_views() WHERE view_name = 'wiki_pageviews'"
                  ).fetchall()[0][0]
    if has:
        con.execute("""
            CREATE OR REPLACE TEMP VIEW ps_views AS
            SELECT platform, title, date,
                   arg_max(views, (access = 'all-access')::INT * 2 + (agent = 'user')::INT)
                       AS views
            FROM wiki_pageviews GROUP BY platform, title, date
        """)
    else:
        con.execute("""
            CREATE OR REPLACE TEMP VIEW ps_views AS
            SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS title, NULL::DATE AS date,
                   NULL::BIGINT AS views WHERE false
        """)
    return "ps_views"


def compute_page_stats(con: duckdb.DuckDBPyConnection, pages: Iterable[str] | None = None,
                       top: int = DEFAULT_TOP, top_share: float = DEFAULT_TOP_SHARE
                       ) -> dict[str, pa.Table]:
    """All page statistics tables (``con`` prepared by :func:`._base.prepare`)."""
    _scope(con, pages)
    _revision_bytes(con)
    editors = page_editors(con)
    con.register("ps_editors", editors)
    return {
        "wiki_page_stats": page_stats(con, top, top_share, "ps_editors"),
        "wiki_page_editors": editors,
        "wiki_page_activity": page_activity(con),
    }
