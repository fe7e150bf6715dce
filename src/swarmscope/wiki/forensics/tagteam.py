"""Tag teams: accounts that take turns reverting the same opponents on the same pages.

A tag team (Wikipedia: "tag team editing", meatpuppetry in edit wars) shares the reverting of
an opponent between several accounts, so that none of them breaks the three-revert rule (no
more than three reverts on a page in 24 hours), and its members never revert each other.

Method
------
1. **Revert events**: each revert of a user ``v`` on page ``p`` by reverter ``a`` at time ``t``
   (the revert edges of :mod:`._base`). The *target* of the event is ``(v, p)``.
2. **Co-reverts**: two events on the same target by different reverters at most ``window``
   apart (inclusive; default 7 days). For each pair of reverters, ``k`` = the number of
   distinct targets they co-reverted and ``pages`` = the distinct pages. Each event pairs with
   at most ``max_neighbours`` following events of its target (the work stays linear; a vandal
   reverted hundreds of times on one page is the only place the cap can bind).
3. **Null model** (a configuration / permutation null over the revert network): the reverter
   labels of all revert events are shuffled, keeping every reverter's number of reverts and
   every target's number of reverts and their times. Under it, who helps whom is random: an
   anti-vandalism bot and human patrollers who revert the same vandals on many pages co-revert
   often *because* they revert a lot, and the shuffle reproduces that. ``permutations``
   shuffles (default 200, seeded) estimate the expected ``k`` of each pair, ``expected``;
   ``p_value`` is the Poisson tail ``P(X >= k)``, ``X ~ Poisson(expected)`` (``k`` is a sum
   of rare per-target indicators), ``p_perm`` the plain permutation p-value (its resolution
   is ``1 / (permutations + 1)``). Benjamini-Hochberg ``q_value`` over every pair that
   co-reverted at least once.
4. **Teams**: pairs with ``q_value <= alpha``, at least ``min_targets`` shared targets and no
   revert between them form a graph; its connected components are the candidate teams. For
   each team: members, the pages and opponents they share, their reverts, reverts *between*
   members (a real tag team has none), the most reverts one member made on one page in any
   24 h and the most the team made together (``splits_3rr``: pages where the team together
   made more than ``revert_limit`` reverts within 24 h while no member exceeded it), and how
   evenly the reverting is split (normalised entropy of the members' revert counts).

Output: ``wiki_tag_team_pairs`` (every co-reverting pair with its statistics) and
``wiki_tag_teams`` (one row per team, ``flagged`` when it has no internal revert).

Parameters: ``window`` (7 days), ``permutations`` (200), ``alpha`` (0.05), ``min_targets``
(3), ``max_neighbours`` (250), ``seed`` (42), ``revert_limit`` (3, the three-revert rule).

Limitations: a small case that holds *only* the contested pages has few other reverts to
compare with, so the null has little to shuffle and a ring dominating the reverts is harder to
call unusual; collect the pages' full histories or a wider sample. Two editors defending a
page against a ring also revert the same opponents (the ring): the test flags coordination of
reverting, not who is right; read the teams with the source changes
(:mod:`.sources`) and the page histories.

References
----------
- Wikipedia:Tag team, Wikipedia:Edit warring (three-revert rule), Wikipedia:Sock puppetry
  (meatpuppets).
- Kittur et al. (2007), *He says, she says: conflict and coordination in Wikipedia*, CHI.
- Pacheco et al. (2021), *Uncovering coordinated networks on social media*, ICWSM (co-action
  networks against a null model).
- Benjamini & Hochberg (1995), *Controlling the false discovery rate*, JRSS B 57(1).
"""

from __future__ import annotations

import duckdb
import igraph as ig
import numpy as np
import pyarrow as pa
from scipy.stats import binom, nbinom, poisson

from ._base import bh_qvalues, entropy, fetch

DEFAULT_WINDOW_S = 7 * 86_400
DEFAULT_PERMUTATIONS = 200
DEFAULT_ALPHA = 0.05
DEFAULT_MIN_TARGETS = 3
DEFAULT_MAX_NEIGHBOURS = 250
REVERT_LIMIT = 3

_PAIR_SCHEMA = pa.schema([
    ("platform", pa.string()), ("a", pa.string()), ("b", pa.string()),
    ("shared_targets", pa.int64()), ("shared_pages", pa.int64()),
    ("co_revert_events", pa.int64()), ("reverts_a", pa.int64()), ("reverts_b", pa.int64()),
    ("reverts_between", pa.int64()), ("expected", pa.float64()), ("p_value", pa.float64()),
    ("p_perm", pa.float64()), ("q_value", pa.float64()), ("significant", pa.bool_()),
])


def _events(con: duckdb.DuckDBPyConnection, window: float, max_neighbours: int) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE tt_events AS
        SELECT platform, reverter, reverted, page_key, any_value(page) AS page, revid,
               min(t) AS t,
               dense_rank() OVER (PARTITION BY platform ORDER BY reverted, page_key) - 1 AS tgt,
               dense_rank() OVER (PARTITION BY platform ORDER BY reverter) - 1 AS lab
        FROM revert_edges
        GROUP BY platform, reverter, reverted, page_key, revid
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tt_event_pairs AS
        WITH e AS (
            SELECT *, row_number() OVER (PARTITION BY platform, tgt ORDER BY t, revid) - 1 AS i
            FROM tt_events
        ),
        last AS (
            SELECT *, max(i) OVER (PARTITION BY platform, tgt ORDER BY t
                                  RANGE BETWEEN CURRENT ROW AND {float(window)} FOLLOWING)
                       AS last_i
            FROM e
        )
        SELECT x.platform, x.tgt, x.i AS i, y.i AS j, x.lab AS lab_i, y.lab AS lab_j
        FROM last x
        JOIN e y ON y.platform = x.platform AND y.tgt = x.tgt
             AND y.i > x.i AND y.i <= least(x.last_i, x.i + {int(max_neighbours)})
    """)  # noqa: S608 - a validated float and int only


def _pair_counts(a: np.ndarray, b: np.ndarray, tgt: np.ndarray, n_lab: int, n_tgt: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(pair keys, distinct targets per key) for label pairs a != b."""
    keep = a != b
    lo = np.minimum(a[keep], b[keep]).astype(np.int64)
    hi = np.maximum(a[keep], b[keep]).astype(np.int64)
    key = lo * n_lab + hi
    if n_lab * n_lab * max(n_tgt, 1) < 2**62:
        kt = np.unique(key * n_tgt + tgt[keep])
        keys, counts = np.unique(kt // n_tgt, return_counts=True)
    else:  # huge cases: unique rows instead of one packed integer
        kt = np.unique(np.stack([key, tgt[keep].astype(np.int64)], axis=1), axis=0)
        keys, counts = np.unique(kt[:, 0], return_counts=True)
    return keys, counts


def _tail(k: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """P(X >= k) for X with the given mean and variance: a binomial when under-dispersed
    (a sum of independent indicators with unequal probabilities), a negative binomial when
    over-dispersed, Poisson in between, when the variance is unknown (zero) or when ``k`` lies
    beyond the fitted binomial's support."""
    out = poisson.sf(k - 1, mean)
    under = (var > 0) & (var < mean * 0.999)
    n = np.zeros(len(k))
    n[under] = np.round(mean[under] / (1.0 - var[under] / mean[under]))
    # Outside the fitted binomial's support the approximation says nothing: keep Poisson.
    under &= n >= k
    if under.any():
        out[under] = binom.sf(k[under] - 1, n[under], mean[under] / n[under])
    over = var > mean * 1.001
    if over.any():
        r = mean[over] ** 2 / (var[over] - mean[over])
        q = r / (r + mean[over])
        out[over] = nbinom.sf(k[over] - 1, r, q)
    return out


def tag_team_pairs(con: duckdb.DuckDBPyConnection, window: float = DEFAULT_WINDOW_S,
                   permutations: int = DEFAULT_PERMUTATIONS, alpha: float = DEFAULT_ALPHA,
                   max_neighbours: int = DEFAULT_MAX_NEIGHBOURS, seed: int = 42) -> pa.Table:
    """``wiki_tag_team_pairs`` (``con`` prepared by :func:`._base.prepare`)."""
    _events(con, window, max_neighbours)
    out: list[pa.Table] = []
    platforms = [r[0] for r in con.sql(
        "SELECT DISTINCT platform FROM tt_events ORDER BY 1").fetchall()]
    for platform in platforms:
        ev = con.sql("SELECT lab, tgt FROM tt_events WHERE platform = $p ORDER BY tgt, t, revid",
                     params={"p": platform}).fetchnumpy()
        pairs = con.sql("SELECT tgt, i, j, lab_i, lab_j FROM tt_event_pairs WHERE platform = $p",
                        params={"p": platform}).fetchnumpy()
        names = [r[0] for r in con.sql(
            "SELECT DISTINCT reverter, lab FROM tt_events WHERE platform = $p ORDER BY lab",
            params={"p": platform}).fetchall()]
        if len(pairs["tgt"]) == 0:
            continue
        n_lab = len(names)
        n_tgt = int(ev["tgt"].max()) + 1
        lab = ev["lab"].astype(np.int64)
        # Event index of pair endpoints in the (tgt, t, revid) order of ``lab``.
        starts = np.searchsorted(ev["tgt"], np.arange(n_tgt))
        pi = starts[pairs["tgt"]] + pairs["i"].astype(np.int64)
        pj = starts[pairs["tgt"]] + pairs["j"].astype(np.int64)
        ptgt = pairs["tgt"].astype(np.int64)
        keys, k_obs = _pair_counts(lab[pi], lab[pj], ptgt, n_lab, n_tgt)
        rng = np.random.default_rng(seed)
        total = np.zeros(len(keys))
        total2 = np.zeros(len(keys))
        ge = np.zeros(len(keys))
        for _ in range(int(permutations)):
            perm = rng.permutation(lab)
            pk, pc = _pair_counts(perm[pi], perm[pj], ptgt, n_lab, n_tgt)
            pos = np.searchsorted(pk, keys)
            pos = np.minimum(pos, max(len(pk) - 1, 0))
            hit = (len(pk) > 0) & (pk[pos] == keys) if len(pk) else np.zeros(len(keys), bool)
            k = np.where(hit, pc[pos] if len(pk) else 0, 0)
            total += k
            total2 += k * k
            ge += k >= k_obs
        n_perm = max(int(permutations), 1)
        expected = total / n_perm
        # A pair that never co-reverts under the shuffle: at most one in n_perm + 1.
        lam = np.maximum(expected, 1.0 / (n_perm + 1))
        var = np.maximum(total2 / n_perm - expected ** 2, 0.0)
        p_value = _tail(k_obs, lam, var)
        p_perm = (ge + 1) / (n_perm + 1)
        q = np.array(bh_qvalues(list(p_value))) if len(p_value) else np.zeros(0)
        a_idx, b_idx = keys // n_lab, keys % n_lab
        out.append(pa.table({
            "platform": pa.array([platform] * len(keys), pa.string()),
            "a": pa.array(names, pa.string()).take(pa.array(a_idx, pa.int64())),
            "b": pa.array(names, pa.string()).take(pa.array(b_idx, pa.int64())),
            "shared_targets": pa.array(k_obs, pa.int64()),
            "expected": pa.array(expected, pa.float64()),
            "p_value": pa.array(p_value, pa.float64()),
            "p_perm": pa.array(p_perm, pa.float64()),
            "q_value": pa.array(q, pa.float64()),
        }))
    if not out:
        return _PAIR_SCHEMA.empty_table()
    con.register("tt_pairs_raw", pa.concat_tables(out))
    return fetch(con, """
        WITH ep AS (
            SELECT p.platform, least(x.reverter, y.reverter) AS a,
                   greatest(x.reverter, y.reverter) AS b,
                   count(DISTINCT x.page_key) AS shared_pages, count(*) AS co_revert_events
            FROM tt_event_pairs p
            JOIN (SELECT *, row_number() OVER (PARTITION BY platform, tgt ORDER BY t, revid) - 1
                     AS i FROM tt_events) x ON x.platform = p.platform AND x.tgt = p.tgt AND x.i = p.i
            JOIN (SELECT *, row_number() OVER (PARTITION BY platform, tgt ORDER BY t, revid) - 1
                     AS i FROM tt_events) y ON y.platform = p.platform AND y.tgt = p.tgt AND y.i = p.j
            WHERE x.reverter <> y.reverter
            GROUP BY p.platform, least(x.reverter, y.reverter), greatest(x.reverter, y.reverter)
        ),
        n AS (SELECT platform, reverter, count(DISTINCT revid) AS reverts FROM tt_events
              GROUP BY platform, reverter),
        between_ AS (
            SELECT platform, least(reverter, reverted) AS a, greatest(reverter, reverted) AS b,
                   count(DISTINCT revid) AS reverts_between
            FROM revert_edges GROUP BY platform, least(reverter, reverted),
                                       greatest(reverter, reverted)
        )
        SELECT r.platform, r.a, r.b, r.shared_targets, ep.shared_pages, ep.co_revert_events,
               na.reverts AS reverts_a, nb.reverts AS reverts_b,
               coalesce(bw.reverts_between, 0) AS reverts_between,
               r.expected, r.p_value, r.p_perm, r.q_value,
               (r.q_value <= $alpha) AS significant
        FROM tt_pairs_raw r
        JOIN ep ON ep.platform = r.platform AND ep.a = r.a AND ep.b = r.b
        JOIN n na ON na.platform = r.platform AND na.reverter = r.a
        JOIN n nb ON nb.platform = r.platform AND nb.reverter = r.b
        LEFT JOIN between_ bw ON bw.platform = r.platform AND bw.a = r.a AND bw.b = r.b
        ORDER BY r.q_value, r.p_value, r.shared_targets DESC, r.a, r.b
    """, {"alpha": float(alpha)}).cast(_PAIR_SCHEMA)


def tag_teams(con: duckdb.DuckDBPyConnection, pairs: pa.Table,
              min_targets: int = DEFAULT_MIN_TARGETS, revert_limit: int = REVERT_LIMIT
              ) -> pa.Table:
    """``wiki_tag_teams``: connected components of the significant, non-conflicting pairs."""
    p = pairs.to_pydict()
    members_rows: list[tuple[str, int, str]] = []
    team_id = 0
    for platform in sorted(set(p["platform"])):
        edges = [(a, b) for pl, a, b, s, k, between in zip(
            p["platform"], p["a"], p["b"], p["significant"], p["shared_targets"],
            p["reverts_between"], strict=True)
            if pl == platform and s and k >= min_targets and between == 0]
        if not edges:
            continue
        names = sorted({x for e in edges for x in e})
        index = {n: i for i, n in enumerate(names)}
        g = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in edges])
        comps = sorted((sorted(names[i] for i in c) for c in g.connected_components()),
                       key=lambda m: (-len(m), m))
        for comp in comps:
            team_id += 1
            members_rows.extend((platform, team_id, m) for m in comp)
    if not members_rows:
        return _empty_teams()
    con.register("tt_members", pa.table({
        "platform": pa.array([r[0] for r in members_rows], pa.string()),
        "team": pa.array([r[1] for r in members_rows], pa.int64()),
        "account": pa.array([r[2] for r in members_rows], pa.string()),
    }))
    con.register("tt_pairs", pairs)
    teams = fetch(con, """
        WITH ev AS (   -- one row per revert (revision) by a member, with its victims
            SELECT m.team, e.platform, e.reverter, e.page_key, any_value(e.page) AS page,
                   e.revid, min(e.t) AS t, list(DISTINCT e.reverted) AS victims
            FROM revert_edges e JOIN tt_members m
              ON m.platform = e.platform AND m.account = e.reverter
            GROUP BY m.team, e.platform, e.reverter, e.page_key, e.revid
        ),
        shared AS (    -- (team, page, opponent) reverted by two or more members
            SELECT m.team, e.platform, e.page_key, e.reverted
            FROM revert_edges e JOIN tt_members m
              ON m.platform = e.platform AND m.account = e.reverter
            WHERE e.reverted NOT IN (SELECT account FROM tt_members m2 WHERE m2.team = m.team)
            GROUP BY m.team, e.platform, e.page_key, e.reverted
            HAVING count(DISTINCT e.reverter) >= 2
        ),
        member_day AS (
            SELECT team, platform, page_key, reverter,
                   count(*) OVER (PARTITION BY team, platform, page_key, reverter ORDER BY t
                                  RANGE BETWEEN 86400 PRECEDING AND CURRENT ROW) AS c
            FROM ev WHERE page_key IN (SELECT page_key FROM shared s WHERE s.team = ev.team)
        ),
        team_day AS (
            SELECT team, platform, page_key,
                   count(*) OVER (PARTITION BY team, platform, page_key ORDER BY t
                                  RANGE BETWEEN 86400 PRECEDING AND CURRENT ROW) AS c
            FROM ev WHERE page_key IN (SELECT page_key FROM shared s WHERE s.team = ev.team)
        ),
        page_max AS (
            SELECT t.team, t.platform, t.page_key, max(t.c) AS team_max,
                   (SELECT max(c) FROM member_day md WHERE md.team = t.team
                     AND md.page_key = t.page_key) AS member_max
            FROM team_day t GROUP BY t.team, t.platform, t.page_key
        ),
        internal AS (
            SELECT m.team, count(DISTINCT e.revid) AS internal_reverts
            FROM revert_edges e
            JOIN tt_members m ON m.platform = e.platform AND m.account = e.reverter
            JOIN tt_members m2 ON m2.platform = e.platform AND m2.account = e.reverted
                 AND m2.team = m.team
            GROUP BY m.team
        ),
        per_member AS (
            SELECT team, reverter, count(*) AS n FROM ev GROUP BY team, reverter
        ),
        pstats AS (
            SELECT m.team, min(tp.q_value) AS min_q, max(tp.q_value) AS max_q,
                   sum(tp.shared_targets) AS shared_targets, count(*) AS significant_pairs
            FROM tt_pairs tp
            JOIN tt_members m ON m.platform = tp.platform AND m.account = tp.a
            JOIN tt_members m2 ON m2.platform = tp.platform AND m2.account = tp.b
                 AND m2.team = m.team
            WHERE tp.significant
            GROUP BY m.team
        )
        SELECT m.team, any_value(m.platform) AS platform,
               list(DISTINCT m.account ORDER BY m.account) AS members,
               count(DISTINCT m.account) AS n_members,
               (SELECT list(DISTINCT page ORDER BY page) FROM ev
                 WHERE ev.team = m.team AND ev.page_key IN
                   (SELECT page_key FROM shared s WHERE s.team = m.team)) AS pages,
               (SELECT count(DISTINCT page_key) FROM shared s WHERE s.team = m.team)
                   AS n_pages,
               (SELECT list(DISTINCT reverted ORDER BY reverted) FROM shared s
                 WHERE s.team = m.team) AS opponents,
               (SELECT count(*) FROM ev WHERE ev.team = m.team) AS team_reverts,
               coalesce(any_value(i.internal_reverts), 0) AS internal_reverts,
               (SELECT max(member_max) FROM page_max pm WHERE pm.team = m.team)
                   AS max_member_reverts_24h,
               (SELECT max(team_max) FROM page_max pm WHERE pm.team = m.team)
                   AS max_team_reverts_24h,
               (SELECT count(*) FROM page_max pm WHERE pm.team = m.team
                  AND pm.team_max > $limit AND pm.member_max <= $limit) AS splits_3rr,
               (SELECT list(n ORDER BY reverter) FROM per_member pmb WHERE pmb.team = m.team)
                   AS member_reverts,
               any_value(ps.significant_pairs) AS significant_pairs,
               any_value(ps.shared_targets) AS shared_targets,
               any_value(ps.min_q) AS min_q_value, any_value(ps.max_q) AS max_q_value
        FROM tt_members m
        LEFT JOIN internal i ON i.team = m.team
        LEFT JOIN pstats ps ON ps.team = m.team
        GROUP BY m.team ORDER BY m.team
    """, {"limit": int(revert_limit)})
    d = teams.to_pydict()
    balance = []
    for counts, n in zip(d["member_reverts"], d["n_members"], strict=True):
        c = [x for x in (counts or []) if x]
        balance.append(entropy(c) / np.log2(n) if n > 1 and c else 0.0)
    teams = teams.append_column("balance", pa.array(balance, pa.float64()))
    flagged = [(n or 0) >= 2 and (i or 0) == 0
               for n, i in zip(d["n_members"], d["internal_reverts"], strict=True)]
    teams = teams.append_column("flagged", pa.array(flagged, pa.bool_()))
    score = [float(-np.log10(max(q, 1e-300))) if q is not None else 0.0
             for q in d["min_q_value"]]
    return teams.append_column("score", pa.array(score, pa.float64()))


def _empty_teams() -> pa.Table:
    return pa.schema([
        ("team", pa.int64()), ("platform", pa.string()), ("members", pa.list_(pa.string())),
        ("n_members", pa.int64()), ("pages", pa.list_(pa.string())), ("n_pages", pa.int64()),
        ("opponents", pa.list_(pa.string())), ("team_reverts", pa.int64()),
        ("internal_reverts", pa.int64()), ("max_member_reverts_24h", pa.int64()),
        ("max_team_reverts_24h", pa.int64()), ("splits_3rr", pa.int64()),
        ("member_reverts", pa.list_(pa.int64())), ("significant_pairs", pa.int64()),
        ("shared_targets", pa.int64()), ("min_q_value", pa.float64()),
        ("max_q_value", pa.float64()), ("balance", pa.float64()), ("flagged", pa.bool_()),
        ("score", pa.float64()),
    ]).empty_table()


def compute_tag_teams(con: duckdb.DuckDBPyConnection, window: float = DEFAULT_WINDOW_S,
                      permutations: int = DEFAULT_PERMUTATIONS, alpha: float = DEFAULT_ALPHA,
                      min_targets: int = DEFAULT_MIN_TARGETS, seed: int = 42
                      ) -> dict[str, pa.Table]:
    """Both tag-team tables."""
    pairs = tag_team_pairs(con, window=window, permutations=permutations, alpha=alpha,
                           seed=seed)
    return {"wiki_tag_team_pairs": pairs,
            "wiki_tag_teams": tag_teams(con, pairs, min_targets=min_targets)}
