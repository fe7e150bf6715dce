"""Reverts and cited-domain changes of wiki revisions: the ``wiki_revisions`` table.

Computed in DuckDB SQL over the case's wiki revisions (actions of kind ``edit`` or ``revert``),
each page's revisions ordered by timestamp then revision id:

**Identity reverts** (Halfaker's definition, as the ``mwreverts`` library implements it with its
default radius 15: https://meta.wikimedia.org/wiki/Research:Revert): a revision whose SHA-1
equals that of an earlier revision of the same page *reverts* the revisions in between,
provided the most recent earlier revision with that SHA-1 is at most ``radius + 1`` positions
back and at least one revision lies in between (re-saving identical content is not a revert).
In SQL this is one window function: the previous position of the same SHA-1 on the page.
Revisions without a SHA-1 (hidden text, sources without checksums) never match. A revert is
flagged ``spans_gap`` when the revisions in between are not a complete chain in the case (a
revision's ``parent_id`` is not the revision before it): the reverted set may then be partial.

**Reverts the wiki says** (``tag_revert``): change tags ``mw-undo``, ``mw-rollback``,
``mw-manual-revert``; the ``mw-reverted`` tag marks a revision a later one reverted.

**Edit summaries** (``summary_revert``): summaries starting like "Undid revision N", "Reverted
edits by", "Reverting possible vandalism", "rv", "rvv", "revert", "rollback", "Restored
revision". Summaries are written by the editor, so they are weaker evidence: they never change
the ``kind`` of an action (see :mod:`swarmscope.wiki.revision`), and "Undid revision N" marks N
as reverted only if no identity revert already explains it.

Per revision the table records whether it reverts (``is_revert`` = any of the three), which
revisions and users it reverted (identity reverts: ``reverted_revids``, ``reverted_users``,
``reverted_to``), whether it was reverted and by whom (``was_reverted``, ``reverted_by``,
``reverted_by_user``: the first revision that reverted it), ``self_revert`` (every reverted
revision was the reverting user's own), and, when the revision text was collected
(``has_text``), the cited domains and the domains added and removed relative to the parent
revision (``domains_added`` / ``domains_removed``, NULL when the parent's text is not in the
case). ``user_is_bot`` comes from the latest ``wiki_accounts`` snapshot (``swarmscope wiki
accounts``), NULL when the account was never looked up.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> _ = swarmscope.ingest(case, ["article-pyrus.xml"], format="mediawiki-xml")  # doctest: +SKIP
    >>> compute_reverts(case).identity_reverts  # doctest: +SKIP
    2
"""

from __future__ import annotations

from dataclasses import dataclass

from ..case import Case
from ..engine import sql_literal
from ..errors import UsageError
from .revision import REVERT_TAGS, REVERTED_TAG

#: The radius of mwreverts and of MediaWiki's own manual-revert detection.
DEFAULT_RADIUS = 15

TABLE = "wiki_revisions"

# Optional section prefix "/* History */ " then a revert-like verb, optionally as a link label
# ("[[WP:UNDO|Undid]]", "[[Help:Reverting|Reverted]]").
SUMMARY_REVERT_RE = (
    r"(?i)^\s*(?:/\*.*?\*/\s*)?(?:\[\[[^\]|]*\|)?"
    r"(?:undid|undo|undoing|reverted|reverting|revert|reverts|rvv?|rvt|rollback|rolled back"
    r"|restored revision|restore revision)\b"
)
SUMMARY_UNDID_RE = r"(?i)^\s*(?:/\*.*?\*/\s*)?(?:\[\[[^\]|]*\|)?undid(?:\]\])?\s+revision\s+(\d+)"
SUMMARY_USER_RE = r"(?i)\bby\s+\[\[(?:Special:Contrib(?:ution)?s/|User:)([^|\]]+)"


@dataclass
class RevertSummary:
    """Counts of one :func:`compute_reverts` run."""

    revisions: int
    pages: int
    identity_reverts: int
    reverts: int
    reverted: int


def revisions_sql(radius: int = DEFAULT_RADIUS, accounts: str | None = None) -> str:
    """The SELECT computing ``wiki_revisions`` from a relation named ``actions``.

    ``accounts`` names a relation shaped like the ``wiki_accounts`` table, for ``user_is_bot``.
    """
    radius = int(radius)
    if radius < 1:
        raise UsageError("the revert radius must be a positive integer")
    revert_tags = "[" + ", ".join(sql_literal(t) for t in REVERT_TAGS) + "]"
    x = "json_extract_string(a.extra, '$.{}')"

    def flag(key: str) -> str:
        return f"coalesce(TRY_CAST({x.format(key)} AS BOOLEAN), false)"

    if accounts:
        # ``accounts`` is a relation name chosen by this module, never data.
        bots = f"""
        bots AS (
            SELECT platform, name, arg_max(is_bot, fetched_at) AS is_bot
            FROM {accounts} GROUP BY platform, name
        ),"""  # noqa: S608
        bot_join = 'LEFT JOIN bots b ON b.platform = o.platform AND b.name = o."user"'
        bot_col = "b.is_bot"
    else:
        bots, bot_join, bot_col = "", "", "NULL::BOOLEAN"
    # Only constants of this module, sql_literal() and a validated int are interpolated.
    return f"""
    WITH raw AS (
        SELECT
            a.platform,
            TRY_CAST(a.action_id AS BIGINT) AS revid,
            TRY_CAST({x.format('page_id')} AS BIGINT) AS page_id0,
            TRY_CAST({x.format('ns')} AS INTEGER) AS ns,
            a.title AS page,
            a.account AS "user",
            TRY_CAST(a.account_id AS BIGINT) AS user_id,
            {flag('anon')} AS anon,
            {flag('user_hidden')} AS user_hidden,
            {flag('comment_hidden')} AS comment_hidden,
            a.ts,
            TRY_CAST(a.parent_id AS BIGINT) AS parent_id,
            {flag('new')} AS page_creation,
            {x.format('sha1')} AS sha1,
            TRY_CAST({x.format('size')} AS BIGINT) AS size,
            TRY_CAST({x.format('sizediff')} AS BIGINT) AS source_sizediff,
            {flag('minor')} AS minor,
            coalesce(json_extract_string(a.extra, '$.tags[*]'), []::VARCHAR[]) AS tags,
            a.text AS comment,
            a.kind,
            {flag('has_text')} AS has_text,
            a.links,
            a.ingest_id,
            a.record
        FROM actions a
        WHERE a.kind IN ('edit', 'revert') AND TRY_CAST(a.action_id AS BIGINT) IS NOT NULL
    ),
    keyed AS (
        -- Sources without page ids (WikiSocks) borrow the id another source gave the title.
        SELECT *,
            coalesce(page_id0, max(page_id0) OVER (PARTITION BY platform, page)) AS page_id
        FROM raw
    ),
    ordered AS (
        SELECT *,
            coalesce(CAST(page_id AS VARCHAR), 'title:' || coalesce(page, '')) AS page_key,
            row_number() OVER w AS pos,
            lag(revid) OVER w AS prev_revid
        FROM keyed
        WINDOW w AS (PARTITION BY platform,
                     coalesce(CAST(page_id AS VARCHAR), 'title:' || coalesce(page, ''))
                     ORDER BY ts, revid)
    ),
    o AS (
        SELECT *,
            sum(CASE WHEN parent_id IS NOT NULL AND prev_revid IS NOT NULL
                      AND parent_id <> prev_revid THEN 1 ELSE 0 END)
                OVER (PARTITION BY platform, page_key ORDER BY pos
                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS gaps,
            CASE WHEN sha1 IS NOT NULL THEN lag(pos) OVER (
                PARTITION BY platform, page_key, sha1 ORDER BY pos) END AS match_pos,
            list_sort(list_distinct(list_filter(
                list_transform(coalesce(links, []::VARCHAR[]),
                    lambda u: regexp_extract(u, '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1)),
                lambda d: d <> ''))) AS domains
        FROM ordered
    ),
    reverts AS (
        SELECT r.platform, r.page_key, r.pos AS r_pos, r.revid AS r_revid, r."user" AS r_user,
               r.match_pos, t.revid AS to_revid, r.gaps > t.gaps AS spans_gap
        FROM o r JOIN o t
          ON t.platform = r.platform AND t.page_key = r.page_key AND t.pos = r.match_pos
        WHERE r.pos - r.match_pos BETWEEN 2 AND {radius} + 1
    ),
    pairs AS (
        SELECT r.*, v.revid AS v_revid, v."user" AS v_user, v.pos AS v_pos
        FROM reverts r JOIN o v
          ON v.platform = r.platform AND v.page_key = r.page_key
         AND v.pos > r.match_pos AND v.pos < r.r_pos
    ),
    reverting AS (
        SELECT platform, page_key, r_pos,
               any_value(to_revid) AS reverted_to,
               any_value(spans_gap) AS spans_gap,
               list(v_revid ORDER BY v_pos) AS reverted_revids,
               list(v_user ORDER BY v_pos) AS users_seq
        FROM pairs GROUP BY platform, page_key, r_pos
    ),
    victims AS (
        SELECT platform, page_key, v_pos,
               arg_min(r_revid, r_pos) AS reverted_by, arg_min(r_user, r_pos) AS reverted_by_user
        FROM pairs GROUP BY platform, page_key, v_pos
    ),
    summaries AS (
        SELECT platform, revid, "user",
               regexp_matches(coalesce(comment, ''), {sql_literal(SUMMARY_REVERT_RE)})
                   AS summary_revert,
               TRY_CAST(nullif(regexp_extract(coalesce(comment, ''),
                   {sql_literal(SUMMARY_UNDID_RE)}, 1), '') AS BIGINT) AS undid_revid,
               nullif(replace(regexp_extract(coalesce(comment, ''),
                   {sql_literal(SUMMARY_USER_RE)}, 1), '_', ' '), '') AS summary_user
        FROM o
    ),
    undone AS (
        SELECT platform, undid_revid AS revid,
               arg_min(s.revid, s.revid) AS undone_by,
               arg_min(s."user", s.revid) AS undone_by_user
        FROM summaries s WHERE undid_revid IS NOT NULL GROUP BY platform, undid_revid
    ),{bots}
    joined AS (
        SELECT o.*, rv.reverted_to, rv.spans_gap, rv.reverted_revids,
               -- distinct users in order of their first reverted revision
               list_filter(rv.users_seq, lambda u, i: list_position(rv.users_seq, u) = i)
                   AS reverted_users,
               vi.reverted_by AS id_reverted_by, vi.reverted_by_user AS id_reverted_by_user,
               s.summary_revert, s.undid_revid, s.summary_user,
               u.undone_by, u.undone_by_user,
               p.size AS parent_size, p.has_text AS parent_has_text, p.domains AS parent_domains,
               {bot_col} AS user_is_bot
        FROM o
        LEFT JOIN reverting rv
          ON rv.platform = o.platform AND rv.page_key = o.page_key AND rv.r_pos = o.pos
        LEFT JOIN victims vi
          ON vi.platform = o.platform AND vi.page_key = o.page_key AND vi.v_pos = o.pos
        LEFT JOIN summaries s ON s.platform = o.platform AND s.revid = o.revid
        LEFT JOIN undone u ON u.platform = o.platform AND u.revid = o.revid
        LEFT JOIN o p ON p.platform = o.platform
             AND p.revid = coalesce(o.parent_id,
                                    CASE WHEN NOT o.page_creation THEN o.prev_revid END)
        {bot_join}
    )
    SELECT
        platform, revid, page_id, ns, page, "user", user_id, anon, user_hidden, user_is_bot,
        ts, parent_id, page_creation, pos AS page_position,
        coalesce(parent_id <> prev_revid, false) AS history_gap,
        sha1, size,
        coalesce(size - parent_size, source_sizediff,
                 CASE WHEN page_creation THEN size END) AS size_diff,
        minor, tags, comment, comment_hidden, kind,
        reverted_revids IS NOT NULL AS identity_revert,
        reverted_to,
        coalesce(reverted_revids, []::BIGINT[]) AS reverted_revids,
        coalesce(reverted_users, []::VARCHAR[]) AS reverted_users,
        coalesce(spans_gap, false) AS spans_gap,
        list_has_any(tags, {revert_tags}) AS tag_revert,
        coalesce(summary_revert, false) AS summary_revert,
        undid_revid AS summary_undid_revid,
        summary_user AS summary_reverted_user,
        (reverted_revids IS NOT NULL OR list_has_any(tags, {revert_tags})
         OR coalesce(summary_revert, false)) AS is_revert,
        (reverted_users IS NOT NULL AND len(reverted_users) = 1
         AND reverted_users[1] = "user") AS self_revert,
        (id_reverted_by IS NOT NULL OR list_contains(tags, {sql_literal(REVERTED_TAG)})
         OR undone_by IS NOT NULL) AS was_reverted,
        coalesce(id_reverted_by, undone_by) AS reverted_by,
        CASE WHEN id_reverted_by IS NOT NULL THEN id_reverted_by_user ELSE undone_by_user END
            AS reverted_by_user,
        has_text,
        CASE WHEN has_text THEN domains END AS cited_domains,
        CASE WHEN has_text AND page_creation THEN domains
             WHEN has_text AND parent_has_text THEN
                 list_filter(domains, lambda d: NOT list_contains(parent_domains, d))
        END AS domains_added,
        CASE WHEN has_text AND page_creation THEN []::VARCHAR[]
             WHEN has_text AND parent_has_text THEN
                 list_filter(parent_domains, lambda d: NOT list_contains(domains, d))
        END AS domains_removed,
        ingest_id, record
    FROM joined
    ORDER BY platform, page_key, pos
    """  # noqa: S608


def compute_reverts(case: Case, radius: int = DEFAULT_RADIUS) -> RevertSummary:
    """Recompute the ``wiki_revisions`` table of ``case`` (one transaction)."""
    con = case.connect()
    accounts = "wiki_accounts" if "wiki_accounts" in case.tables() else None
    query = revisions_sql(radius, accounts)
    with case.transaction() as txn:
        out = txn.stage_path(f"{TABLE}.parquet")
        con.execute(f"COPY ({query}) TO {sql_literal(str(out))} "
                    "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
        counts = (
            "SELECT count(*), count(DISTINCT (platform, page_id, page)), "
            "count(*) FILTER (WHERE identity_revert), count(*) FILTER (WHERE is_revert), "
            "count(*) FILTER (WHERE was_reverted) FROM read_parquet(?)"
        )
        row = con.execute(counts, [str(out)]).fetchone()
        txn.replace_table(TABLE, [out])
    assert row is not None
    return RevertSummary(revisions=row[0], pages=row[1], identity_reverts=row[2], reverts=row[3],
                         reverted=row[4])
