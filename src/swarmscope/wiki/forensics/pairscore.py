"""Same-operator pair score: ranking account pairs by behavioural evidence that one person or
one team runs both, with the evidence spelled out.

Never read a high score as "the same person": accounts of one household, one class, one
newsroom or one side of a dispute share much of this evidence. The score orders pairs for a
human to review, next to the Editor Interaction Analyser's timeline (:mod:`.interaction`).

Method
------
**Candidate pairs** (every pair with relational evidence, never all pairs of a large case):
pairs that co-edited a page within ``window`` revisions (any namespace), that edited within
``coactive_s`` seconds of each other at least twice (each edit against its ``coactive_k``
nearest edits of the case in time; once is chance on a busy wiki), that reverted a common
opponent (:mod:`.tagteam`), and, when ``users`` is given, every pair of a named account with
any other account. Known bots and hidden user names are left out. The similarities of the
candidates are computed with sparse matrices (one row per account), so a 37,000-revision wiki
with 150,000 candidate pairs takes seconds.

**Evidence** (each in [0, 1]):

- ``f_coedit``: pages co-edited within ``window`` revisions over the smaller account's pages,
  times ``n / (n + 1)`` (one shared page is weak evidence);
- ``f_timecard``: cosine of the two accounts' weekday x hour histograms (168 bins, UTC,
  smeared over +-1 h as in SimilarUsers), shrunk by ``m / (m + 5)`` with ``m`` the smaller
  edit count (two accounts with one edit each at the same hour prove little);
- ``f_offset``: agreement of the inferred UTC offsets, ``1 - d / 12`` for ``d`` hours apart
  (circularly), shrunk by ``m / (m + 10)``. An account's offset is the shift that best fits its
  hour-of-day histogram to a reference human day (sleep 01-07 local, evening peak; after
  Yasseri et al. 2012) by maximum likelihood;
- ``f_style``: cosine of TF-IDF weighted character trigrams of the accounts' edit summaries,
  after masking user links (``[[User:X]]``, ``[[Special:Contributions/X|X]]``) and digits, with
  an empty summary as its own token; IDF over all accounts of the case, so the software's
  default summaries ("Undid revision N by ...") weigh little; shrunk by ``s / (s + 3)`` with
  ``s`` the smaller number of summaries;
- ``f_revert``: revert partnering: the strength of the pair's shared opponents in the tag-team
  test (``min(1, -log10(p) / 3)``) or, if stronger, ``1 - exp(-k / 2)`` for ``k`` reverts in
  which one account reverted someone who had just (within the tag-team window) reverted the
  other on the same page ("defending" the other);
- ``f_coactive``: ``sqrt(share_a * share_b)``, the shares of each account's edits made within
  ``coactive_s`` of an edit of the other (alternating accounts in one session);
- ``f_creation``: ``exp(-|days| / 30)`` between the two registrations, when ``wiki_accounts``
  holds both (else 0).

``score`` = the weighted sum (``weights``, default coedit 0.20, timecard 0.10, offset 0.10,
style 0.15, revert 0.30, coactive 0.10, creation 0.05), multiplied by ``conflict_factor``
(0.3) when either account ever reverted the other: accounts run by one operator rarely fight,
while a patroller reverting a vandal shares the vandal's pages and hours. Revert partnering
weighs most because it is the only component tested against a null model; the others are
similarities whose base rate varies from case to case (a wiki whose editors all use the same
few summaries, a community in one time zone). The weights are set by this reasoning, not
fitted. Pairs are ranked by score; ``evidence`` lists the components that contribute at least
0.02 in words, strongest first.

Parameters: ``users`` (focus accounts), ``window`` (5 revisions), ``offsets`` ((-1, 0, 1)
hours), ``coactive_s`` (3600), ``coactive_k`` (10), ``defend_window_s`` (7 days),
``weights`` (above), ``conflict_factor`` (0.3).

The SimilarUsers figures of :mod:`.similar` (``edit_overlap``, ``edit_overlap_inv``, day and
hour cosine and level) are columns of the same table, so the service's view and the score sit
side by side.

References
----------
- SimilarUsers / Extension:SimilarEditors (Wikimedia Research): co-edits and timecards.
- Yasseri, Sumi & Kertész (2012), *Circadian patterns of Wikipedia editorial activity: a
  demographic analysis*, PLoS ONE 7(1): e30091 (the reference day, offsets from timing).
- Solorio, Hasan & Mizan (2013), *A case study of sockpuppet detection in Wikipedia*, LASM
  (style of edit summaries); Kumar, Spezzano, Subrahmanian & Faloutsos (2017), *An army of me:
  sockpuppets in online discussion communities*, WWW (sockpuppets co-occur in time, rarely
  disagree, and write alike).
- Niverthi, Verma & Kumar (2022), *Characterizing, detecting, and predicting online ban
  evasion*, WWW (creation timing).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import csr_matrix, diags

from ._base import fetch, users_table
from .similar import (
    DEFAULT_OFFSETS,
    DEFAULT_WINDOW,
    LEVEL_SQL,
    account_stats,
    coedit_events,
    temporal_bins,
)

DEFAULT_WEIGHTS = {"coedit": 0.20, "timecard": 0.10, "offset": 0.10, "style": 0.15,
                   "revert": 0.30, "coactive": 0.10, "creation": 0.05}
DEFAULT_CONFLICT_FACTOR = 0.3
DEFAULT_COACTIVE_S = 3600.0
DEFAULT_COACTIVE_K = 10
DEFAULT_DEFEND_WINDOW_S = 7 * 86_400

#: Relative activity per local hour of a human editor (sleep 01-07, evening peak), after
#: Yasseri, Sumi & Kertész (2012), used to infer an account's UTC offset.
REFERENCE_DAY = np.array([0.55, 0.35, 0.22, 0.15, 0.12, 0.13, 0.20, 0.35, 0.55, 0.72, 0.82,
                          0.88, 0.90, 0.92, 0.93, 0.94, 0.95, 0.96, 0.98, 1.00, 1.00, 0.97,
                          0.88, 0.72])

_USER_LINK = r"\[\[(?:special:contrib(?:ution)?s/|user(?: talk)?:)[^\]]*\]\]"


def infer_offsets(hours: np.ndarray) -> np.ndarray:
    """Maximum-likelihood UTC offset (whole hours, -11..+12) for each row of ``hours``
    (accounts x 24 UTC hour counts) under :data:`REFERENCE_DAY`."""
    logp = np.log(REFERENCE_DAY / REFERENCE_DAY.sum())
    shifts = np.arange(-11, 13)
    # local hour = (utc hour + shift) mod 24
    table = np.stack([logp[(np.arange(24) + s) % 24] for s in shifts], axis=1)  # 24 x S
    ll = hours @ table
    return shifts[np.argmax(ll, axis=1)]


def _candidates(con: duckdb.DuckDBPyConnection, tt_pairs: pa.Table | None,
                users: Iterable[str] | None, coactive_s: float, coactive_k: int) -> None:
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ps_coactive AS
        WITH x AS (
            SELECT platform, "user" AS account, revid, t,
                   row_number() OVER (PARTITION BY platform ORDER BY t, revid) AS i
            FROM rev WHERE NOT user_hidden AND NOT is_bot
        ),
        near AS (
            SELECT x.platform, x.account AS u, y.account AS v, x.revid AS ru, y.revid AS rv
            FROM (SELECT *, unnest(range(1, {int(coactive_k)} + 1)) AS d FROM x) x
            JOIN x y ON y.platform = x.platform AND y.i = x.i + x.d
            WHERE y.account <> x.account AND y.t - x.t <= {float(coactive_s)}
        )
        SELECT platform, least(u, v) AS a, greatest(u, v) AS b,
               count(DISTINCT CASE WHEN u < v THEN ru ELSE rv END) AS near_edits_a,
               count(DISTINCT CASE WHEN u < v THEN rv ELSE ru END) AS near_edits_b
        FROM near GROUP BY platform, least(u, v), greatest(u, v)
    """)  # noqa: S608 - numbers only
    tt = tt_pairs if tt_pairs is not None else pa.table({
        "platform": pa.array([], pa.string()), "a": pa.array([], pa.string()),
        "b": pa.array([], pa.string()), "shared_targets": pa.array([], pa.int64()),
        "p_value": pa.array([], pa.float64())})
    con.register("ps_tt", tt.select(["platform", "a", "b", "shared_targets", "p_value"]))
    sel = users_table(users)
    con.register("ps_focus", sel if sel is not None else
                 pa.table({"account": pa.array([], pa.string())}))
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_idx AS
        SELECT platform, account, row_number() OVER (ORDER BY platform, account) - 1 AS idx
        FROM sim_accounts
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_cand AS
        SELECT row_number() OVER (ORDER BY c.platform, c.a, c.b) - 1 AS r,
               c.platform, c.a, c.b, x.idx AS ia, y.idx AS ib
        FROM (SELECT DISTINCT platform, a, b FROM (
            SELECT platform, a, b FROM sim_coedit
            -- one edit near another is chance on a busy wiki: co-activity must repeat
            UNION ALL SELECT platform, a, b FROM ps_coactive
                      WHERE greatest(near_edits_a, near_edits_b) >= 2
            UNION ALL SELECT platform, a, b FROM ps_tt
            UNION ALL
            SELECT s.platform, least(f.account, s.account), greatest(f.account, s.account)
            FROM ps_focus f JOIN sim_accounts s ON s.account <> f.account
            WHERE f.account IN (SELECT account FROM sim_accounts)
        )) c
        JOIN ps_idx x ON x.platform = c.platform AND x.account = c.a
        JOIN ps_idx y ON y.platform = c.platform AND y.account = c.b
        WHERE c.a <> c.b
    """)


def _style(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_docs AS
        SELECT platform, "user" AS account,
               ' ' || regexp_replace(regexp_replace(lower(comment), $link, ' @u ', 'g'),
                                     '[0-9]+', '0', 'g') || ' ' AS s
        FROM rev WHERE NOT user_hidden AND NOT is_bot AND NOT coalesce(comment_hidden, false)
    """, {"link": _USER_LINK})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_grams AS
        WITH g AS (
            SELECT platform, account, substr(s, i, 3) AS gram
            FROM (SELECT platform, account, s, unnest(range(1, length(s) - 1)) AS i
                  FROM ps_docs WHERE length(trim(s)) > 0)
            UNION ALL
            SELECT platform, account, '<empty>' AS gram FROM ps_docs WHERE length(trim(s)) = 0
        ),
        tf AS (SELECT platform, account, gram, count(*) AS tf FROM g GROUP BY ALL),
        df AS (SELECT platform, gram, count(*) AS df FROM tf GROUP BY ALL),
        n AS (SELECT platform, count(DISTINCT account) AS n FROM ps_docs GROUP BY platform),
        w AS (
            SELECT tf.platform, tf.account, tf.gram,
                   (1 + ln(tf.tf)) * (ln((1 + n.n) / (1 + df.df)) + 1) AS w
            FROM tf JOIN df USING (platform, gram) JOIN n USING (platform)
        )
        SELECT w.platform, w.account, w.gram AS bin,
               w.w / sqrt(sum(w.w * w.w) OVER (PARTITION BY w.platform, w.account)) AS c
        FROM w
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_summaries AS
        SELECT platform, account, count(*) AS summaries FROM ps_docs GROUP BY ALL
    """)


def _defends(con: duckdb.DuckDBPyConnection, window: float) -> None:
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ps_defends AS
        SELECT e1.platform, least(e1.reverter, e2.reverted) AS a,
               greatest(e1.reverter, e2.reverted) AS b, count(DISTINCT e1.revid) AS defends
        FROM revert_edges e1
        JOIN revert_edges e2 ON e2.platform = e1.platform AND e2.page_key = e1.page_key
             AND e2.reverter = e1.reverted AND e2.t < e1.t AND e1.t - e2.t <= {float(window)}
        WHERE e2.reverted <> e1.reverter AND e2.reverted <> e1.reverted
        GROUP BY ALL
    """)  # noqa: S608 - a number only


def _pair_cosines(con: duckdb.DuckDBPyConnection, bins: str, ia: np.ndarray, ib: np.ndarray,
                  n_accounts: int, chunk: int = 50_000) -> np.ndarray:
    """Cosine of the histograms ``bins`` (platform, account, bin, c) of accounts ``ia[k]`` and
    ``ib[k]`` (indexes of ``ps_idx``); NaN when either histogram is empty."""
    h = con.sql(f"""
        SELECT i.idx, dense_rank() OVER (ORDER BY x.bin) - 1 AS j, x.c
        FROM {bins} x JOIN ps_idx i ON i.platform = x.platform AND i.account = x.account
    """).fetchnumpy()  # noqa: S608 - a relation name of this package
    out = np.full(len(ia), np.nan)
    if len(h["c"]) == 0 or len(ia) == 0:
        return out
    m = csr_matrix((h["c"].astype(float), (h["idx"].astype(np.int64), h["j"].astype(np.int64))),
                   shape=(n_accounts, int(h["j"].max()) + 1))
    norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    m = diags(np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)) @ m
    m = m.tocsr()
    for lo in range(0, len(ia), chunk):
        a, b = ia[lo:lo + chunk], ib[lo:lo + chunk]
        dot = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()
        out[lo:lo + chunk] = np.where((norm[a] > 0) & (norm[b] > 0), dot, np.nan)
    return out


def _registrations(con: duckdb.DuckDBPyConnection) -> str:
    has = con.sql("SELECT count(*) FROM duckdb_views() WHERE view_name = 'wiki_accounts'"
                  ).fetchall()[0][0]
    if has:
        con.execute("""
            CREATE OR REPLACE TEMP VIEW ps_reg AS
            SELECT platform, name AS account, arg_max(registration, fetched_at) AS registration
            FROM wiki_accounts GROUP BY platform, name
        """)
    else:
        con.execute("""
            CREATE OR REPLACE TEMP VIEW ps_reg AS SELECT NULL::VARCHAR AS platform,
                   NULL::VARCHAR AS account, NULL::TIMESTAMPTZ AS registration WHERE false
        """)
    return "ps_reg"


def _offsets(con: duckdb.DuckDBPyConnection) -> pa.Table:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ps_hist AS
        SELECT *, dense_rank() OVER (ORDER BY platform, account) - 1 AS idx FROM (
            SELECT platform, "user" AS account, hour(ts) AS h, count(*) AS c FROM rev
            WHERE NOT user_hidden AND NOT is_bot
              AND "user" IN (SELECT a FROM ps_cand UNION SELECT b FROM ps_cand)
            GROUP BY ALL)
    """)
    h = con.sql("SELECT idx, h, c FROM ps_hist").fetchnumpy()
    names = con.sql("SELECT DISTINCT idx, platform, account FROM ps_hist ORDER BY idx"
                    ).to_arrow_table()
    hours = np.zeros((names.num_rows, 24))
    np.add.at(hours, (h["idx"].astype(np.int64), h["h"].astype(np.int64)),
              h["c"].astype(float))
    # The same +-1 h smear as the timecards, so one edit does not pin an offset to the hour.
    smeared = hours + np.roll(hours, 1, axis=1) + np.roll(hours, -1, axis=1)
    off = infer_offsets(smeared) if names.num_rows else np.zeros(0, np.int64)
    return pa.table({"platform": names.column("platform"), "account": names.column("account"),
                     "utc_offset": pa.array(off.astype(np.int64), pa.int64())})


def compute_pair_scores(con: duckdb.DuckDBPyConnection, tt_pairs: pa.Table | None = None,
                        users: Iterable[str] | None = None, window: int = DEFAULT_WINDOW,
                        offsets: Iterable[int] = DEFAULT_OFFSETS,
                        coactive_s: float = DEFAULT_COACTIVE_S,
                        coactive_k: int = DEFAULT_COACTIVE_K,
                        defend_window_s: float = DEFAULT_DEFEND_WINDOW_S,
                        weights: dict[str, float] | None = None,
                        conflict_factor: float = DEFAULT_CONFLICT_FACTOR
                        ) -> dict[str, pa.Table]:
    """``wiki_similar_pairs``: SimilarUsers figures and the pair score of every candidate pair
    (``con`` prepared by :func:`._base.prepare`; ``tt_pairs`` from :mod:`.tagteam`)."""
    w = dict(DEFAULT_WEIGHTS)
    w.update(weights or {})
    account_stats(con)
    coedit_events(con, window=window)
    temporal_bins(con, offsets=offsets)
    _candidates(con, tt_pairs, users, coactive_s, coactive_k)
    _style(con)
    _defends(con, defend_window_s)
    reg = _registrations(con)
    con.register("ps_offsets", _offsets(con))
    cand = con.sql("SELECT ia, ib FROM ps_cand ORDER BY r").fetchnumpy()
    ia, ib = cand["ia"].astype(np.int64), cand["ib"].astype(np.int64)
    n_acc = con.sql("SELECT count(*) FROM ps_idx").fetchall()[0][0]
    cos = {name: _pair_cosines(con, bins, ia, ib, n_acc)
           for name, bins in (("day_cos", "sim_days"), ("hour_cos", "sim_hours"),
                              ("wh_cos", "sim_weekhours"), ("style_cos", "ps_grams"))}
    con.register("ps_cos", pa.table({"r": pa.array(np.arange(len(ia)), pa.int64()),
                                     **{k: pa.array(v, pa.float64(), from_pandas=True)
                                        for k, v in cos.items()}}))
    table = fetch(con, f"""
        WITH between_ AS (
            SELECT platform, least(reverter, reverted) AS a, greatest(reverter, reverted) AS b,
                   count(DISTINCT revid) AS reverts_between
            FROM revert_edges GROUP BY ALL
        )
        SELECT c.platform, c.a, c.b,
               sa.edits AS edits_a, sb.edits AS edits_b, sa.pages AS pages_a,
               sb.pages AS pages_b, sa.is_ip AS a_is_ip, sb.is_ip AS b_is_ip,
               coalesce(ce.su_coedit_pages, 0) AS su_coedit_pages,
               CASE WHEN sa.su_pages > 0 THEN coalesce(ce.su_coedit_pages, 0) / sa.su_pages
                    END AS edit_overlap,
               CASE WHEN sb.su_pages > 0 THEN least(1, coalesce(ce.su_coedit_pages, 0)
                                                        / sb.su_pages) END AS edit_overlap_inv,
               cs.day_cos, {LEVEL_SQL.format(x='cs.day_cos')} AS day_level,
               cs.hour_cos, {LEVEL_SQL.format(x='cs.hour_cos')} AS hour_level,
               coalesce(ce.coedit_pages, 0) AS coedit_pages,
               coalesce(cs.wh_cos, 0) AS timecard_cos,
               oa.utc_offset AS offset_a, ob.utc_offset AS offset_b,
               coalesce(cs.style_cos, 0) AS style_cos,
               coalesce(sma.summaries, 0) AS summaries_a, coalesce(smb.summaries, 0)
                   AS summaries_b,
               coalesce(tt.shared_targets, 0) AS shared_opponents, tt.p_value AS tag_team_p,
               coalesce(df.defends, 0) AS defends,
               coalesce(co.near_edits_a, 0) AS coactive_edits_a,
               coalesce(co.near_edits_b, 0) AS coactive_edits_b,
               coalesce(bw.reverts_between, 0) AS reverts_between,
               ra.registration AS registration_a, rb.registration AS registration_b,
               (c.a IN (SELECT account FROM ps_focus) OR c.b IN (SELECT account FROM ps_focus))
                   AS involves_focus
        FROM ps_cand c
        JOIN sim_accounts sa ON sa.platform = c.platform AND sa.account = c.a
        JOIN sim_accounts sb ON sb.platform = c.platform AND sb.account = c.b
        LEFT JOIN sim_coedit ce ON ce.platform = c.platform AND ce.a = c.a AND ce.b = c.b
        JOIN ps_cos cs ON cs.r = c.r
        LEFT JOIN ps_offsets oa ON oa.platform = c.platform AND oa.account = c.a
        LEFT JOIN ps_offsets ob ON ob.platform = c.platform AND ob.account = c.b
        LEFT JOIN ps_summaries sma ON sma.platform = c.platform AND sma.account = c.a
        LEFT JOIN ps_summaries smb ON smb.platform = c.platform AND smb.account = c.b
        LEFT JOIN ps_tt tt ON tt.platform = c.platform AND tt.a = c.a AND tt.b = c.b
        LEFT JOIN ps_defends df ON df.platform = c.platform AND df.a = c.a AND df.b = c.b
        LEFT JOIN ps_coactive co ON co.platform = c.platform AND co.a = c.a AND co.b = c.b
        LEFT JOIN between_ bw ON bw.platform = c.platform AND bw.a = c.a AND bw.b = c.b
        LEFT JOIN {reg} ra ON ra.platform = c.platform AND ra.account = c.a
        LEFT JOIN {reg} rb ON rb.platform = c.platform AND rb.account = c.b
    """)  # noqa: S608 - relation names only
    con.register("ps_features", table)
    return {"wiki_similar_pairs": _score(con, "ps_features", w, conflict_factor, window)}


def _score(con: duckdb.DuckDBPyConnection, features: str, w: dict[str, float],
           conflict_factor: float, window: int) -> pa.Table:
    """The evidence components, score, evidence text and rank of every pair in ``features``
    (a relation name of this module)."""
    params = {f"w_{k}": float(v) for k, v in w.items()}
    params.update({"cf": float(conflict_factor), "window": int(window)})
    return fetch(con, f"""
        WITH f AS (
            SELECT *, least(edits_a, edits_b)::DOUBLE AS m_,
                   least(summaries_a, summaries_b)::DOUBLE AS s_,
                   abs(offset_a - offset_b) % 24 AS od_
            FROM {features}
        ),
        g AS (
            SELECT *,
                CASE WHEN coedit_pages > 0 THEN least(1.0, coedit_pages
                     / greatest(least(pages_a, pages_b), 1) * coedit_pages
                     / (coedit_pages + 1.0)) ELSE 0.0 END AS f_coedit,
                timecard_cos * m_ / (m_ + 5) AS f_timecard,
                CASE WHEN od_ IS NULL THEN 0.0
                     ELSE (1 - least(od_, 24 - od_) / 12.0) * m_ / (m_ + 10) END AS f_offset,
                style_cos * s_ / (s_ + 3) AS f_style,
                greatest(CASE WHEN shared_opponents > 0 THEN
                             least(1.0, greatest(0.0, -log10(greatest(coalesce(tag_team_p, 1),
                                                                      1e-300)) / 3))
                         ELSE 0.0 END,
                         1 - exp(-defends / 2.0)) AS f_revert,
                sqrt(least(1.0, coactive_edits_a / greatest(edits_a, 1))
                     * least(1.0, coactive_edits_b / greatest(edits_b, 1))) AS f_coactive,
                CASE WHEN registration_a IS NULL OR registration_b IS NULL THEN 0.0
                     ELSE exp(-abs(epoch(registration_a) - epoch(registration_b))
                              / 86400.0 / 30) END AS f_creation,
                reverts_between > 0 AS conflict
            FROM f
        ),
        h AS (
            SELECT *,
                $w_coedit * f_coedit + $w_timecard * f_timecard + $w_offset * f_offset
                + $w_style * f_style + $w_revert * f_revert + $w_coactive * f_coactive
                + $w_creation * f_creation AS raw_,
                [{{'v': $w_coedit * f_coedit,
                   't': printf('co-edited %d page(s) within %d revisions', coedit_pages,
                               $window)}},
                 {{'v': $w_timecard * f_timecard,
                   't': printf('weekday/hour timecards cosine %.2f', timecard_cos)}},
                 {{'v': $w_offset * f_offset,
                   't': printf('inferred UTC offsets %+d / %+d', offset_a, offset_b)}},
                 {{'v': $w_style * f_style,
                   't': printf('edit-summary style cosine %.2f', style_cos)}},
                 {{'v': $w_revert * f_revert,
                   't': printf('revert partners (%d shared opponent(s), %d defending '
                               'revert(s))', shared_opponents, defends)}},
                 {{'v': $w_coactive * f_coactive,
                   't': printf('edited within the hour of each other (%d/%d and %d/%d edits)',
                               coactive_edits_a, edits_a, coactive_edits_b, edits_b)}},
                 {{'v': $w_creation * f_creation,
                   't': printf('registered %.0f day(s) apart',
                               abs(epoch(registration_a) - epoch(registration_b)) / 86400.0)}}
                ] AS parts_
            FROM g
        ),
        k AS (
            SELECT * EXCLUDE (m_, s_, od_, raw_, parts_),
                CASE WHEN conflict THEN raw_ * $cf ELSE raw_ END AS score,
                list_transform(list_sort(list_filter(parts_, lambda x: x.v >= 0.02), 'DESC'),
                               lambda x: x.t)
                || CASE WHEN conflict THEN
                       [printf('they reverted each other %d time(s)', reverts_between)]
                   ELSE []::VARCHAR[] END AS words_
            FROM h
        )
        SELECT * EXCLUDE (words_),
            CASE WHEN len(words_) = 0 THEN 'weak evidence only'
                 ELSE array_to_string(words_, '; ') END AS evidence,
            row_number() OVER (ORDER BY score DESC, platform, a, b) AS rank
        FROM k ORDER BY rank
    """, params)  # noqa: S608 - a relation name only
