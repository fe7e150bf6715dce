"""Source removal and insertion: which cited domains each account removes and adds.

Method
------
Per revision, the cited domains added and removed relative to its parent revision come from
``wiki_revisions`` (``domains_added`` / ``domains_removed``, computed when the revision text
was collected). When those are unknown (NULL) but both the revision and its parent carry cited
URLs in the actions (``links``, e.g. a source that lists a revision's citations without the
``has_text`` flag), the difference is computed from those URLs; a revision without URLs and
without ``has_text`` is unknown, never "cites nothing". A domain counts as removed only when
the last URL of that domain disappears from the page.

- ``wiki_source_changes``: per account and domain: removals (revisions) and pages, additions
  and pages, how many of its removals were reverted (contested) and how many were made by a
  revert (undoing someone's addition), the page **baseline** of each removal (the share of the
  page's earlier revisions with known text that cited the domain: removing a long-standing
  source scores near 1, removing a fresh addition near 0), and the account's share of all
  removals of the domain in the case.
- ``wiki_source_domains``: per domain: removals, removers, additions, adders, pages, reverted
  removals and the share of removals made by the two most active removers.
- ``wiki_source_rings``: per group of accounts (tag teams and clusters of similar pairs, see
  :mod:`.report`), change (``removed`` / ``added``) and domain: the group's events, members
  involved, pages, how many were reverted, and a binomial test against the rest of the case:
  with ``R`` removals (additions) by the group and ``p0`` the domain's share of all other
  accounts' removals (additions), add-one smoothed, ``p = P(X >= r)``, ``X ~ Binomial(R, p0)``.
  Benjamini-Hochberg over all rows; ``flagged`` when ``q <= alpha``, at least ``min_members``
  members did it on at least ``min_pages`` pages and ``r >= min_events``: a ring that
  repeatedly removes one side's sources, or inserts its own (citation spam).

Parameters: ``alpha`` (0.05), ``min_events`` (3), ``min_members`` (2), ``min_pages`` (2).

Limitations: only revisions with text (or cited URLs) in the case carry domains; dumps with
``pages-meta-history`` and ``wiki pages --content`` have them, stub dumps and WikiSocks do not.
A domain also leaves a page when a section is blanked (vandalism) or rewritten: the baseline
and the reverted share tell deliberate, contested removals apart.

References
----------
- Wikipedia:Reliable sources, Wikipedia:Deprecated sources (the policies whose abuse - removing
  one side's sources - this signal surfaces).
- Kumar, West & Leskovec (2016), *Disinformation on the web: impact, characteristics, and
  detection of Wikipedia hoaxes*, WWW (citations as evidence of editing intent).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from scipy.stats import binom

from ._base import bh_qvalues, fetch

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_REMOVALS = 3
DEFAULT_MIN_MEMBERS = 2
DEFAULT_MIN_PAGES = 2

_DOMAIN = "regexp_extract(u, '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1)"


def domain_changes(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``src_changes``: one row per (revision, domain, added/removed)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE src_rev AS
        WITH a AS (
            SELECT platform, TRY_CAST(action_id AS BIGINT) AS revid, links FROM actions
            WHERE kind IN ('edit', 'revert')
        ),
        r AS (
            SELECT r.platform, r.page_key, r.page, r.revid, r."user", r.ts, r.pos, r.parent_id,
                   r.page_creation, r.is_revert, r.was_reverted, r.user_hidden, r.is_bot,
                   r.domains_added, r.domains_removed,
                   coalesce(r.has_text, false) OR len(coalesce(a.links, [])) > 0 AS known,
                   list_sort(list_distinct(list_filter(list_transform(coalesce(a.links, []),
                       lambda u: {_DOMAIN}), lambda d: d <> ''))) AS domains,
                   lag(r.revid) OVER (PARTITION BY r.platform, r.page_key ORDER BY r.pos)
                       AS prev_revid
            FROM rev r LEFT JOIN a ON a.platform = r.platform AND a.revid = r.revid
        )
        SELECT r.*,
               coalesce(r.domains_added,
                   CASE WHEN r.known AND r.page_creation THEN r.domains
                        WHEN r.known AND p.known THEN
                            list_filter(r.domains, lambda d: NOT list_contains(p.domains, d))
                   END) AS added,
               coalesce(r.domains_removed,
                   CASE WHEN r.known AND r.page_creation THEN []::VARCHAR[]
                        WHEN r.known AND p.known THEN
                            list_filter(p.domains, lambda d: NOT list_contains(r.domains, d))
                   END) AS removed
        FROM r LEFT JOIN r p ON p.platform = r.platform
             AND p.revid = coalesce(r.parent_id,
                                    CASE WHEN NOT r.page_creation THEN r.prev_revid END)
    """)  # noqa: S608 - a constant expression
    con.execute("""
        CREATE OR REPLACE TEMP TABLE src_presence AS
        -- running share of the page's known revisions citing each domain, before each revision
        WITH k AS (
            SELECT platform, page_key, pos,
                   sum(CASE WHEN known THEN 1 ELSE 0 END) OVER (
                       PARTITION BY platform, page_key ORDER BY pos
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS known_before
            FROM src_rev
        ),
        c AS (
            SELECT platform, page_key, pos, domain,
                   count(*) OVER (PARTITION BY platform, page_key, domain ORDER BY pos
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS cited_before
            FROM (SELECT platform, page_key, pos, unnest(domains) AS domain FROM src_rev
                  WHERE known)
        )
        SELECT c.platform, c.page_key, c.domain, c.pos, c.cited_before, k.known_before
        FROM c JOIN k USING (platform, page_key, pos)
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE src_changes AS
        WITH ch AS (
            SELECT platform, page_key, page, revid, "user", ts, pos, is_revert, was_reverted,
                   'removed' AS change, unnest(removed) AS domain
            FROM src_rev WHERE NOT user_hidden AND len(coalesce(removed, [])) > 0
            UNION ALL
            SELECT platform, page_key, page, revid, "user", ts, pos, is_revert, was_reverted,
                   'added' AS change, unnest(added) AS domain
            FROM src_rev WHERE NOT user_hidden AND len(coalesce(added, [])) > 0
        )
        SELECT ch.*,
               -- the removed domain was cited by the parent: its presence up to the parent
               CASE WHEN ch.change = 'removed' THEN
                   (p.cited_before + 1) / (p.known_before + 1) END AS cited_share_before
        FROM ch ASOF LEFT JOIN src_presence p
          ON p.platform = ch.platform AND p.page_key = ch.page_key AND p.domain = ch.domain
         AND p.pos < ch.pos
    """)


def source_changes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_source_changes``: per account and domain."""
    return fetch(con, """
        WITH tot AS (
            SELECT platform, domain, count(*) AS all_removals FROM src_changes
            WHERE change = 'removed' GROUP BY platform, domain
        )
        SELECT c.platform, c."user" AS account, c.domain,
               count(*) FILTER (WHERE change = 'removed') AS removals,
               count(DISTINCT page_key) FILTER (WHERE change = 'removed') AS pages_removed,
               count(*) FILTER (WHERE change = 'removed' AND was_reverted) AS removals_reverted,
               count(*) FILTER (WHERE change = 'removed' AND is_revert) AS removals_by_revert,
               avg(cited_share_before) FILTER (WHERE change = 'removed')
                   AS removed_baseline_share,
               count(*) FILTER (WHERE change = 'added') AS additions,
               count(DISTINCT page_key) FILTER (WHERE change = 'added') AS pages_added,
               count(*) FILTER (WHERE change = 'added' AND was_reverted) AS additions_reverted,
               list(DISTINCT page ORDER BY page) FILTER (WHERE change = 'removed')
                   AS pages_removed_list,
               list(DISTINCT page ORDER BY page) FILTER (WHERE change = 'added')
                   AS pages_added_list,
               CASE WHEN any_value(tot.all_removals) > 0 THEN
                   (count(*) FILTER (WHERE change = 'removed')) / any_value(tot.all_removals)
               END AS share_of_domain_removals
        FROM src_changes c LEFT JOIN tot ON tot.platform = c.platform AND tot.domain = c.domain
        GROUP BY c.platform, c."user", c.domain
        ORDER BY removals DESC, additions DESC, account, domain
    """)


def source_domains(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``wiki_source_domains``: per domain."""
    return fetch(con, """
        WITH per AS (
            SELECT platform, domain, "user", count(*) AS n FROM src_changes
            WHERE change = 'removed' GROUP BY platform, domain, "user"
        ),
        top2 AS (
            SELECT platform, domain, sum(n) FILTER (WHERE r <= 2) AS top2,
                   list("user" ORDER BY n DESC, "user") FILTER (WHERE r <= 5) AS top_removers
            FROM (SELECT *, row_number() OVER (PARTITION BY platform, domain
                                               ORDER BY n DESC, "user") AS r FROM per)
            GROUP BY platform, domain
        )
        SELECT c.platform, c.domain,
               count(*) FILTER (WHERE change = 'removed') AS removals,
               count(DISTINCT "user") FILTER (WHERE change = 'removed') AS removers,
               count(DISTINCT page_key) FILTER (WHERE change = 'removed') AS pages_removed,
               count(*) FILTER (WHERE change = 'removed' AND was_reverted) AS removals_reverted,
               count(*) FILTER (WHERE change = 'added') AS additions,
               count(DISTINCT "user") FILTER (WHERE change = 'added') AS adders,
               count(DISTINCT page_key) FILTER (WHERE change = 'added') AS pages_added,
               any_value(t.top_removers) AS top_removers,
               CASE WHEN count(*) FILTER (WHERE change = 'removed') > 0 THEN
                   any_value(t.top2) / count(*) FILTER (WHERE change = 'removed')
               END AS top2_removal_share
        FROM src_changes c
        LEFT JOIN top2 t ON t.platform = c.platform AND t.domain = c.domain
        GROUP BY c.platform, c.domain
        ORDER BY removals DESC, additions DESC, domain
    """)


def source_rings(con: duckdb.DuckDBPyConnection, groups: pa.Table,
                 alpha: float = DEFAULT_ALPHA, min_events: int = DEFAULT_MIN_REMOVALS,
                 min_members: int = DEFAULT_MIN_MEMBERS, min_pages: int = DEFAULT_MIN_PAGES
                 ) -> pa.Table:
    """``wiki_source_rings``: domains a group of accounts removes (or adds) more than the rest
    of the case. ``groups`` has ``platform, group_id, source, account`` (one row per member)."""
    con.register("src_groups", groups)
    t = fetch(con, """
        WITH g AS (
            SELECT gr.platform, gr.group_id, any_value(gr.source) AS source,
                   list(DISTINCT gr.account ORDER BY gr.account) AS members
            FROM src_groups gr GROUP BY gr.platform, gr.group_id
        ),
        gx AS (
            SELECT gr.group_id, c.* FROM src_changes c
            JOIN src_groups gr ON gr.platform = c.platform AND gr.account = c."user"
        ),
        tot_g AS (SELECT group_id, change, count(*) AS n FROM gx GROUP BY group_id, change),
        ndom AS (SELECT platform, change, count(DISTINCT domain) AS d FROM src_changes
                 GROUP BY platform, change),
        other AS (   -- changes by accounts outside the group, per domain and in total
            SELECT g.group_id, c.change, c.domain, count(*) AS n FROM g
            JOIN src_changes c ON c.platform = g.platform
             AND NOT list_contains(g.members, c."user")
            GROUP BY g.group_id, c.change, c.domain
        ),
        other_tot AS (
            SELECT g.group_id, ch.change, count(c.revid) AS n
            FROM g CROSS JOIN (VALUES ('removed'), ('added')) ch(change)
            LEFT JOIN src_changes c ON c.platform = g.platform AND c.change = ch.change
             AND NOT list_contains(g.members, c."user")
            GROUP BY g.group_id, ch.change
        )
        SELECT g.platform, g.group_id, g.source, g.members, x.change, x.domain,
               count(*) AS events,
               count(DISTINCT x."user") AS members_involved,
               list(DISTINCT x."user" ORDER BY x."user") AS accounts,
               count(DISTINCT x.page_key) AS pages,
               list(DISTINCT x.page ORDER BY x.page) AS page_list,
               count(*) FILTER (WHERE x.was_reverted) AS reverted,
               avg(x.cited_share_before) AS removed_baseline_share,
               any_value(tot_g.n) AS group_events,
               coalesce(any_value(o.n), 0) AS other_events,
               any_value(ot.n) AS other_events_total,
               (coalesce(any_value(o.n), 0) + 1.0) / (any_value(ot.n) + any_value(nd.d))
                   AS baseline_share
        FROM gx x
        JOIN g ON g.group_id = x.group_id
        JOIN tot_g ON tot_g.group_id = x.group_id AND tot_g.change = x.change
        JOIN other_tot ot ON ot.group_id = x.group_id AND ot.change = x.change
        JOIN ndom nd ON nd.platform = x.platform AND nd.change = x.change
        LEFT JOIN other o ON o.group_id = x.group_id AND o.change = x.change
             AND o.domain = x.domain
        GROUP BY g.platform, g.group_id, g.source, g.members, x.change, x.domain
        ORDER BY g.group_id, x.change DESC, events DESC, x.domain
    """)
    events = t.column("events").to_numpy().astype(float)
    total = t.column("group_events").to_numpy().astype(float)
    base = np.minimum(t.column("baseline_share").to_numpy(), 1.0)
    p = binom.sf(events - 1, total, base)
    q = np.array(bh_qvalues(list(p))) if len(p) else np.zeros(0)
    flagged = ((q <= alpha) & (events >= min_events)
               & (t.column("members_involved").to_numpy() >= min_members)
               & (t.column("pages").to_numpy() >= min_pages))
    t = t.append_column("p_value", pa.array(p, pa.float64()))
    t = t.append_column("q_value", pa.array(q, pa.float64()))
    return t.append_column("flagged", pa.array(flagged, pa.bool_()))


def compute_sources(con: duckdb.DuckDBPyConnection, groups: pa.Table | None = None,
                    alpha: float = DEFAULT_ALPHA) -> dict[str, pa.Table]:
    """The source tables (``con`` prepared by :func:`._base.prepare`)."""
    domain_changes(con)
    out = {"wiki_source_changes": source_changes(con),
           "wiki_source_domains": source_domains(con)}
    if groups is not None and groups.num_rows:
        out["wiki_source_rings"] = source_rings(con, groups, alpha=alpha)
    return out
