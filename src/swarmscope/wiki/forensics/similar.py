"""Similar accounts as Wikimedia's SimilarUsers service computes them (parity).

Method
------
SimilarUsers (the service behind the SimilarEditors extension, built by Wikimedia Research for
checkusers) compares a user with every account that edited near it:

- **co-edit overlap**: account ``b`` overlaps with ``a`` on a page when ``b`` made a revision
  within ``window`` (5) revisions of one of ``a``'s revisions of that page, in namespaces 0,
  1 and 118 (article, talk, Draft); bots (the ``bot`` group) are neither users nor neighbours.
  ``coedit_pages`` counts the distinct pages. ``edit-overlap`` = ``coedit_pages`` / pages
  edited by ``a``; ``edit-overlap-inv`` = min(1, ``coedit_pages`` / pages edited by ``b``).
  Revision positions count every revision of the page (bots included), as the service reads
  page histories.
- **temporal overlap**: day-of-week (7 bins, Sunday first) and hour-of-day (24 bins, UTC)
  histograms of each account's edits in those namespaces, each edit *smeared* over the hours
  ``offsets`` (-1, 0, +1) around it (an edit at 23:30 also counts for the next day's first
  hour), compared by cosine similarity and labelled **Same** (1), **High** (> 0.8),
  **Medium** (> 0.5), **Low** (> 0) or **No overlap**.

Differences from the service: the service reads precomputed dumps plus live API calls and
reports at most ``k`` neighbours; here every pair is computed from the case and nothing is
truncated. Its live update path takes revisions ``idx - k .. idx + k - 1`` (a Python slice,
one fewer after than before); this module uses the symmetric window the offline data uses.
"Same" is a cosine of 1 up to floating-point rounding (1e-9), where the service compares
floats exactly. Its ``num_edits_in_data`` reports a page count; here ``edits_*`` are edits and
``pages_*`` pages.

Parameters: ``window`` (5), ``namespaces`` ((0, 1, 118)), ``offsets`` ((-1, 0, 1)).

References
----------
- SimilarUsers service (Wikimedia Research; ``wikimedia/research-api-endpoint-template``,
  ``similarusers`` app) and Extension:SimilarEditors,
  https://www.mediawiki.org/wiki/Extension:SimilarEditors
- Meta: IP Editing: Privacy Enhancement and Abuse Mitigation / Sockpuppet detection tool.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from ._base import SIMILAR_NAMESPACES

DEFAULT_WINDOW = 5
DEFAULT_OFFSETS = (-1, 0, 1)

#: SQL CASE mapping a cosine ``{x}`` to SimilarUsers' qualitative level.
LEVEL_SQL = ("CASE WHEN {x} IS NULL THEN NULL WHEN {x} >= 1 - 1e-9 THEN 'Same' "
             "WHEN {x} > 0.8 THEN 'High' WHEN {x} > 0.5 THEN 'Medium' "
             "WHEN {x} > 0 THEN 'Low' ELSE 'No overlap' END")


def level(cos: float | None) -> str | None:
    """SimilarUsers' label of a cosine similarity."""
    if cos is None:
        return None
    if cos >= 1 - 1e-9:
        return "Same"
    if cos > 0.8:
        return "High"
    if cos > 0.5:
        return "Medium"
    if cos > 0:
        return "Low"
    return "No overlap"


def coedit_events(con: duckdb.DuckDBPyConnection, window: int = DEFAULT_WINDOW,
                  namespaces: Iterable[int] = SIMILAR_NAMESPACES) -> None:
    """Temp table ``sim_coedit``: per unordered account pair, pages co-edited within ``window``
    revisions in all namespaces (``coedit_pages``) and in ``namespaces`` (``su_coedit_pages``),
    and edits of each account with the other nearby. Known bots and hidden users are left
    out as accounts (their revisions still count as positions)."""
    ns = sorted({int(n) for n in namespaces})
    ns_list = "[" + ", ".join(str(n) for n in ns) + "]"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_coedit AS
        WITH x AS (
            SELECT platform, page_key, ns, pos, revid, "user" FROM rev
            WHERE NOT user_hidden AND NOT is_bot
        ),
        near AS (
            SELECT x.platform, x.page_key, x.ns, x."user" AS u, y."user" AS v,
                   x.revid AS ru, y.revid AS rv
            FROM (SELECT *, unnest(range(1, {int(window)} + 1)) AS d FROM x) x
            JOIN x y ON y.platform = x.platform AND y.page_key = x.page_key
                 AND y.pos = x.pos + x.d
            WHERE y."user" <> x."user"
        )
        SELECT platform, least(u, v) AS a, greatest(u, v) AS b,
               count(DISTINCT page_key) AS coedit_pages,
               count(DISTINCT page_key) FILTER (WHERE list_contains({ns_list}, ns))
                   AS su_coedit_pages,
               count(DISTINCT CASE WHEN u < v THEN ru ELSE rv END) AS coedit_edits_a,
               count(DISTINCT CASE WHEN u < v THEN rv ELSE ru END) AS coedit_edits_b
        FROM near GROUP BY platform, least(u, v), greatest(u, v)
    """)  # noqa: S608 - integers only


def account_stats(con: duckdb.DuckDBPyConnection,
                  namespaces: Iterable[int] = SIMILAR_NAMESPACES) -> None:
    """Temp table ``sim_accounts``: edits and pages per account, overall and in
    ``namespaces``."""
    ns = sorted({int(n) for n in namespaces})
    ns_list = "[" + ", ".join(str(n) for n in ns) + "]"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_accounts AS
        SELECT platform, "user" AS account, count(*) AS edits,
               count(DISTINCT page_key) AS pages,
               count(*) FILTER (WHERE list_contains({ns_list}, ns)) AS su_edits,
               count(DISTINCT page_key) FILTER (WHERE list_contains({ns_list}, ns)) AS su_pages,
               bool_or(anon) AS is_ip, min(ts) AS first_edit, max(ts) AS last_edit
        FROM rev WHERE NOT user_hidden AND NOT is_bot
        GROUP BY platform, "user"
    """)  # noqa: S608 - integers only


def temporal_bins(con: duckdb.DuckDBPyConnection, offsets: Iterable[int] = DEFAULT_OFFSETS,
                  namespaces: Iterable[int] = SIMILAR_NAMESPACES) -> None:
    """Temp tables ``sim_days``, ``sim_hours`` (SimilarUsers' smeared histograms over
    ``namespaces``) and ``sim_weekhours`` (168 smeared bins over all namespaces)."""
    offs = sorted({int(o) for o in offsets})
    off_list = "[" + ", ".join(str(o) for o in offs) + "]"
    ns = sorted({int(n) for n in namespaces})
    ns_list = "[" + ", ".join(str(n) for n in ns) + "]"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_smear AS
        SELECT platform, "user" AS account, list_contains({ns_list}, ns) AS su,
               ((dayofweek(ts) + CAST(floor((hour(ts) + o) / 24.0) AS INTEGER)) % 7 + 7) % 7
                   AS d,
               ((hour(ts) + o) % 24 + 24) % 24 AS h
        FROM rev, (SELECT unnest({off_list}) AS o)
        WHERE NOT user_hidden AND NOT is_bot
    """)  # noqa: S608 - integers only
    con.execute("""
        CREATE OR REPLACE TEMP TABLE sim_days AS
        SELECT platform, account, d AS bin, count(*) AS c FROM sim_smear WHERE su
        GROUP BY ALL
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE sim_hours AS
        SELECT platform, account, h AS bin, count(*) AS c FROM sim_smear WHERE su
        GROUP BY ALL
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE sim_weekhours AS
        SELECT platform, account, d * 24 + h AS bin, count(*) AS c FROM sim_smear
        GROUP BY ALL
    """)
