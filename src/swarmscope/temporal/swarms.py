"""Keyword-triggered swarms: accounts that pile onto posts about a term, fast and together.

A reply swarm watches for posts that mention a term (a city, a politician, a hashtag, an
account) and answers each with a handful of its accounts within minutes. Each member's
replies look ordinary one by one; what gives the swarm away is that the same accounts answer
*many* trigger posts quickly, *together*, and do not answer comparable posts without the term.

Method
------
1. **Responses** (SQL). A response to a post is a reply or comment to it (``parent_id``), a
   quote of it (``repost_of``), or an action that mentions the post's author within
   ``window`` after the author's latest post (found with an ``ASOF`` join). Self-responses and
   responses dated before the post are dropped; per post and responder only the first
   response counts; ``latency_s`` is its delay; responses later than ``max_latency`` are
   ignored. A response is *quick* when ``latency_s <= window`` (600 s).
2. **Triggers.** Posts whose text contains a keyword as a whole word (case-insensitive,
   Unicode word boundaries), matches a regular expression (RE2 syntax), carries a hashtag,
   or is written by a watched account. The patterns are passed to SQL as data, never as SQL.
3. **Organic baseline.** A post's *popularity* is ``1 +`` the number of accounts that
   responded to it *later* than ``window``: its ordinary audience, which a swarm's quick
   responses do not inflate (they are what is being tested). For every trigger post,
   ``controls_per_trigger`` (5) non-trigger posts of the same platform and similar popularity
   (same ``floor(log2(popularity))`` stratum), the nearest in time (fewer when the stratum is
   small).
4. **Responder test.** An account that responded quickly to ``k_t`` of the ``N_t`` trigger
   posts and ``k_c`` of the ``N_c`` controls: if the term did not matter, each of its
   ``k_t + k_c`` responses would fall on a trigger with probability ``pi = N_t / (N_t + N_c)``;
   ``p_value = P(Binomial(k_t + k_c, pi) >= k_t)``, Benjamini-Hochberg ``q_value`` over all
   responders of the trigger; ``flagged`` when ``k_t >= min_hits`` (3) and ``q <= alpha``
   (0.01).
5. **Recurring responder sets.** Flagged accounts that quickly responded to at least
   ``min_shared`` (2) of the same trigger posts are linked; each connected set with at least
   ``min_swarm`` (3) accounts is a swarm. A viral post answered by hundreds of strangers makes
   no swarm: each of them answered it once.
6. **Discovery** (no trigger given). Every term (a word of at least 3 letters or a
   ``#hashtag``, lower-cased, from post texts without URLs and ``@mentions``) is a candidate:
   for each responder ``a`` with ``R_a`` quick responses and each term ``w``, ``k_wa`` of them
   went to posts containing ``w``, while posts containing ``w`` hold a share ``P_w`` of the
   popularity of all posts (step 3); ``P(Binomial(R_a, P_w) >= k_wa)``, Benjamini-Hochberg over
   all (term, responder) pairs with ``k_wa >= 1``. Terms with at least ``min_swarm``
   significant responders with ``k_wa >= min_hits`` and ``min_triggers`` posts are ranked by
   the sum of ``-log10`` of their Bonferroni-adjusted p-values; the best term claims its
   posts and the others are re-tested on the posts left (a word that merely co-occurs with
   the trigger in some trigger posts has nothing left to explain), up to ``max_terms``. Each discovered term is then scored as in
   steps 2-5.

Parameters: ``keywords``, ``regexes``, ``hashtags``, ``watch_accounts``, ``window`` (600 s),
``max_latency`` (1 day), ``controls_per_trigger`` (5), ``min_hits`` (3), ``min_shared`` (2),
``min_swarm`` (3), ``alpha`` (0.01), ``discover`` (default: when no trigger is given),
``max_terms`` (5), ``min_triggers`` (3), ``min_term_length`` (3).

Results (:func:`publish` writes them into the case):

- ``results/swarms.parquet``: one row per **swarm member** (flagged responder in a recurring
  set): ``swarm``, ``trigger`` (the term as given: ``Tehran``, ``#tag``, ``@account``,
  ``/regex/``), ``trigger_kind``, ``account``, ``triggers_responded``, ``trigger_posts``,
  ``control_responses``, ``control_posts``, ``expected``, ``p_value``, ``q_value``,
  ``score`` (-log10 q), ``median_latency_s``, ``min_latency_s``, ``co_responders``,
  ``swarm_size``, ``evidence``.
- ``results/swarm_latencies.parquet``: one row per response to a trigger or control post:
  ``swarm`` (the member's swarm, else the trigger's first swarm, else null), ``trigger``,
  ``account``, ``latency_s``, ``group`` (``swarm`` | ``other`` for other responders to
  trigger posts | ``control``), ``post``, ``platform``, ``kind``.
- ``results/swarm_triggers.parquet``: one row per trigger (given or discovered) with its
  posts, controls, responders, flagged accounts, swarms, quick responders per post on
  triggers and on controls, median latencies, the number of accounts that recur (``>=
  min_hits`` quick responses) on the controls (the organic baseline of recurrence), and the
  discovery score.

Limits: a fan base that answers every post of its idol (or every post about a club) is a
recurring responder set too: the test says the responses are about the term, not that they
are inauthentic. Responses are only as complete as the collection: a swarm replying to posts
outside the data is not seen.

References:

- Keller FB, Schoch D, Stier S, Yang J (2020). Political astroturfing on Twitter: how to
  coordinate a disinformation campaign. Political Communication 37(2): 256-280.
- Schoch D, Keller FB, Stier S, Yang J (2022). Coordination patterns reveal online political
  astroturfing across the world. Scientific Reports 12: 4572.
- Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. JRSS B 57: 289-300.

Example::

    from swarmscope import Case
    from swarmscope.temporal.swarms import find_swarms, publish
    case = Case.open("mycase")
    result = find_swarms(case.connect(), keywords=["Tehran"], hashtags=["IranProtests"])
    publish(case, result)
    result.swarms.to_pandas()        # members, their triggers, latencies and evidence
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from scipy.stats import binom

from ..errors import UsageError
from .common import registered

DEFAULT_WINDOW = 600.0
DEFAULT_MAX_LATENCY = 86_400.0
_WORD = r"[^\pL\pN_]"
_NOT_RESPONDABLE = ("repost", "like", "edit", "revert")

SWARMS_SCHEMA = pa.schema([
    ("swarm", pa.int64()), ("trigger", pa.string()), ("trigger_kind", pa.string()),
    ("account", pa.string()), ("triggers_responded", pa.int64()),
    ("trigger_posts", pa.int64()), ("control_responses", pa.int64()),
    ("control_posts", pa.int64()), ("expected", pa.float64()), ("p_value", pa.float64()),
    ("q_value", pa.float64()), ("score", pa.float64()), ("median_latency_s", pa.float64()),
    ("min_latency_s", pa.float64()), ("co_responders", pa.int64()), ("swarm_size", pa.int64()),
    ("evidence", pa.string()),
])
LATENCY_SCHEMA = pa.schema([
    ("swarm", pa.int64()), ("trigger", pa.string()), ("account", pa.string()),
    ("latency_s", pa.float64()), ("group", pa.string()), ("post", pa.string()),
    ("platform", pa.string()), ("kind", pa.string()),
])
TRIGGERS_SCHEMA = pa.schema([
    ("trigger", pa.string()), ("trigger_kind", pa.string()), ("discovered", pa.bool_()),
    ("trigger_posts", pa.int64()), ("control_posts", pa.int64()), ("responders", pa.int64()),
    ("flagged", pa.int64()), ("swarms", pa.list_(pa.int64())),
    ("swarm_sizes", pa.list_(pa.int64())),
    ("quick_responders_per_trigger", pa.float64()),
    ("quick_responders_per_control", pa.float64()),
    ("median_latency_swarm_s", pa.float64()), ("median_latency_other_s", pa.float64()),
    ("median_latency_control_s", pa.float64()), ("recurring_control_responders", pa.int64()),
    ("discovery_score", pa.float64()),
])


@dataclass(frozen=True)
class Trigger:
    """What makes a post a trigger: ``kind`` is keyword, regex, hashtag, account or discovered."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        if self.kind == "hashtag":
            return "#" + self.value.lstrip("#")
        if self.kind == "account":
            return "@" + self.value.lstrip("@")
        if self.kind == "regex":
            return f"/{self.value}/"
        return self.value

    def pattern(self) -> str | None:
        """RE2 pattern matched against post texts (None for watched accounts)."""
        if self.kind == "regex":
            return self.value
        if self.kind == "hashtag":
            return f"(?i)(^|{_WORD})#{re.escape(self.value.lstrip('#'))}($|{_WORD})"
        if self.kind in ("keyword", "discovered"):
            word = self.value
            if word.startswith("#"):
                return f"(?i)(^|{_WORD})#{re.escape(word[1:])}($|{_WORD})"
            return f"(?i)(^|{_WORD}){re.escape(word)}($|{_WORD})"
        return None


@dataclass
class SwarmResult:
    """Tables of one swarm analysis (see the module docstring)."""

    swarms: pa.Table
    latencies: pa.Table
    triggers: pa.Table
    params: dict[str, Any] = field(default_factory=dict)

    def members(self, trigger: str | None = None) -> list[str]:
        rows = self.swarms.to_pylist()
        return sorted({r["account"] for r in rows if trigger is None or r["trigger"] == trigger})


def _bh(p: np.ndarray, m: int) -> np.ndarray:
    """Benjamini-Hochberg q-values of ``p`` among ``m >= len(p)`` tests (the rest p = 1)."""
    if len(p) == 0:
        return p
    m = max(m, len(p))
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.minimum(q, 1.0)
    return out


# ------------------------------------------------------------------------------------------
# Responses


def prepare_responses(con: duckdb.DuckDBPyConnection, window: float = DEFAULT_WINDOW,
                      max_latency: float = DEFAULT_MAX_LATENCY) -> None:
    """Create the temp tables ``sw_posts``, ``sw_resp`` and ``sw_pop`` (step 1)."""
    not_resp = ", ".join(f"'{k}'" for k in _NOT_RESPONDABLE)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sw_posts AS
        SELECT platform, action_id, account AS author, ts, text, hashtags
        FROM actions WHERE kind NOT IN ({not_resp})
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sw_resp AS
        WITH direct AS (
            SELECT platform, parent_id AS post_id, account AS responder, ts, kind, action_id
            FROM actions WHERE kind IN ('reply', 'comment') AND parent_id IS NOT NULL
            UNION ALL
            SELECT platform, repost_of, account, ts, 'quote', action_id
            FROM actions WHERE kind = 'quote' AND repost_of IS NOT NULL
        ),
        men AS (
            SELECT platform, account AS responder, ts, action_id, lower(m) AS target
            FROM (SELECT platform, account, ts, action_id, unnest(mentions) AS m FROM actions
                  WHERE kind NOT IN ('reply', 'comment', 'quote', {not_resp})
                    AND len(mentions) > 0)
            WHERE m IS NOT NULL AND m <> ''
        ),
        men_resp AS (
            SELECT m.platform, p.action_id AS post_id, m.responder, m.ts, 'mention' AS kind,
                   m.action_id
            FROM men m ASOF JOIN (SELECT platform, lower(author) AS target, ts, action_id
                                  FROM sw_posts) p
              ON m.platform = p.platform AND m.target = p.target AND m.ts >= p.ts
            WHERE epoch(m.ts) - epoch(p.ts) <= {float(window)}
        ),
        allr AS (
            SELECT r.platform, r.post_id, r.responder, r.ts, r.kind, r.action_id, p.author,
                   epoch(r.ts) - epoch(p.ts) AS latency_s
            FROM (SELECT * FROM direct UNION ALL SELECT * FROM men_resp) r
            JOIN sw_posts p ON p.platform = r.platform AND p.action_id = r.post_id
        )
        SELECT platform, post_id, responder, min(latency_s) AS latency_s,
               arg_min(kind, latency_s) AS kind, arg_min(action_id, latency_s) AS action_id
        FROM allr
        WHERE responder <> author AND latency_s >= 0 AND latency_s <= {float(max_latency)}
        GROUP BY platform, post_id, responder
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sw_pop AS
        SELECT platform, post_id, count(*) FILTER (WHERE latency_s > {float(window)}) AS pop,
               count(*) FILTER (WHERE latency_s <= {float(window)}) AS quick
        FROM sw_resp GROUP BY platform, post_id
    """)


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for t in ("sw_posts", "sw_resp", "sw_pop", "sw_trig", "sw_ctrl", "sw_terms"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _check_regex(con: duckdb.DuckDBPyConnection, pattern: str) -> None:
    try:
        con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        raise UsageError(f"invalid regular expression {pattern!r} (RE2 syntax): {exc}") from exc


def _match_triggers(con: duckdb.DuckDBPyConnection, trig: Trigger) -> int:
    """Create ``sw_trig`` (platform, action_id) with the posts that ``trig`` selects."""
    # The value and the pattern are bound parameters: constants to the engine (so the regular
    # expression is compiled once) and never part of the SQL text.
    value = trig.value.lstrip("#@") if trig.kind in ("hashtag", "account") else trig.value
    if trig.kind == "account":
        cond, args = "lower(p.author) = lower($value)", {"value": value}
    elif trig.kind == "hashtag":
        cond = ("list_contains(list_transform(coalesce(p.hashtags, []), lambda h: lower(h)), "
                "lower($value)) OR coalesce(regexp_matches(p.text, $pattern), false)")
        args = {"value": value, "pattern": trig.pattern()}
    else:
        cond, args = "coalesce(regexp_matches(p.text, $pattern), false)", {"pattern": trig.pattern()}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sw_trig AS
        SELECT DISTINCT p.platform, p.action_id, p.ts FROM sw_posts p WHERE {cond}
    """, args).fetchall()
    return int(con.execute("SELECT count(*) FROM sw_trig").fetchall()[0][0])


def _controls(con: duckdb.DuckDBPyConnection, per_trigger: int) -> int:
    """Create ``sw_ctrl``: popularity-matched non-trigger posts nearest in time (step 3)."""
    k = max(1, int(per_trigger))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sw_ctrl AS
        WITH p AS (
            SELECT s.platform, s.action_id, s.ts,
                   CAST(floor(log2(1 + coalesce(q.pop, 0))) AS BIGINT) AS bucket,
                   t.action_id IS NOT NULL AS is_trig
            FROM sw_posts s
            LEFT JOIN sw_pop q ON q.platform = s.platform AND q.post_id = s.action_id
            LEFT JOIN sw_trig t ON t.platform = s.platform AND t.action_id = s.action_id
        ),
        cand AS (
            SELECT platform, action_id, ts, bucket,
                   row_number() OVER (PARTITION BY platform, bucket ORDER BY ts, action_id) AS rn
            FROM p WHERE NOT is_trig
        ),
        sizes AS (SELECT platform, bucket, max(rn) AS m FROM cand GROUP BY ALL),
        trig AS (SELECT * FROM p WHERE is_trig),
        pos AS (
            SELECT t.platform, t.bucket, coalesce(c.rn, 0) AS pos
            FROM trig t ASOF LEFT JOIN cand c
              ON t.platform = c.platform AND t.bucket = c.bucket AND t.ts >= c.ts
        ),
        win AS (
            SELECT pos.platform, pos.bucket,
                   greatest(1, least(pos.pos - {k // 2} + 1, s.m - {k} + 1)) AS lo
            FROM pos JOIN sizes s USING (platform, bucket)
        )
        SELECT DISTINCT c.platform, c.action_id
        FROM win w JOIN cand c ON c.platform = w.platform AND c.bucket = w.bucket
         AND c.rn BETWEEN w.lo AND w.lo + {k - 1}
    """)
    return int(con.execute("SELECT count(*) FROM sw_ctrl").fetchall()[0][0])


# ------------------------------------------------------------------------------------------
# Scoring one trigger


def _score_trigger(con: duckdb.DuckDBPyConnection, trig: Trigger, window: float,
                   controls_per_trigger: int, min_hits: int, min_shared: int, min_swarm: int,
                   alpha: float, first_swarm: int) -> tuple[list[dict[str, Any]],
                                                             pa.Table, dict[str, Any]]:
    n_t = _match_triggers(con, trig)
    n_c = _controls(con, controls_per_trigger) if n_t else 0
    summary: dict[str, Any] = {
        "trigger": trig.label, "trigger_kind": trig.kind, "discovered": trig.kind ==
        "discovered", "trigger_posts": n_t, "control_posts": n_c, "responders": 0,
        "flagged": 0, "swarms": [], "swarm_sizes": [], "quick_responders_per_trigger": None,
        "quick_responders_per_control": None, "median_latency_swarm_s": None,
        "median_latency_other_s": None, "median_latency_control_s": None,
        "recurring_control_responders": 0, "discovery_score": None,
    }
    if n_t == 0:
        return [], LATENCY_SCHEMA.empty_table(), summary
    w = float(window)
    per = con.sql(f"""
        WITH r AS (
            SELECT r.*, 'trigger' AS side FROM sw_resp r
            JOIN sw_trig t ON t.platform = r.platform AND t.action_id = r.post_id
            UNION ALL
            SELECT r.*, 'control' AS side FROM sw_resp r
            JOIN sw_ctrl c ON c.platform = r.platform AND c.action_id = r.post_id
        )
        SELECT responder AS account,
               count(*) FILTER (WHERE side = 'trigger' AND latency_s <= {w}) AS kt,
               count(*) FILTER (WHERE side = 'control' AND latency_s <= {w}) AS kc,
               median(latency_s) FILTER (WHERE side = 'trigger' AND latency_s <= {w}) AS med,
               min(latency_s) FILTER (WHERE side = 'trigger') AS mn,
               count(*) FILTER (WHERE side = 'trigger') AS any_t
        FROM r GROUP BY responder
    """).to_arrow_table().to_pydict()
    acc = per["account"]
    kt = np.asarray(per["kt"], dtype=np.int64)
    kc = np.asarray(per["kc"], dtype=np.int64)
    pi = n_t / (n_t + n_c) if (n_t + n_c) else 1.0
    tested = kt >= 1
    p = np.ones(len(acc))
    p[tested] = binom.sf(kt[tested] - 1, kt[tested] + kc[tested], pi)
    q = np.ones(len(acc))
    q[tested] = _bh(p[tested], int(tested.sum()))
    flag = (kt >= min_hits) & (q <= alpha)
    flagged = [acc[i] for i in np.flatnonzero(flag)]
    summary["responders"] = int((np.asarray(per["any_t"]) > 0).sum())
    summary["recurring_control_responders"] = int((kc >= min_hits).sum())
    # Recurring sets among flagged responders (step 5).
    swarm_of, partners = _recurring_sets(con, flagged, w, min_shared, min_swarm, first_swarm)
    sizes: dict[int, int] = {}
    for s in swarm_of.values():
        sizes[s] = sizes.get(s, 0) + 1
    rows = []
    for i in np.flatnonzero(flag):
        a = acc[i]
        if a not in swarm_of:
            continue
        expected = (kt[i] + kc[i]) * pi
        med = per["med"][i]
        rows.append({
            "swarm": swarm_of[a], "trigger": trig.label, "trigger_kind": trig.kind, "account": a,
            "triggers_responded": int(kt[i]), "trigger_posts": n_t,
            "control_responses": int(kc[i]), "control_posts": n_c,
            "expected": round(float(expected), 3), "p_value": float(p[i]), "q_value": float(q[i]),
            "score": round(float(-np.log10(max(q[i], 1e-300))), 3),
            "median_latency_s": None if med is None else float(med),
            "min_latency_s": None if per["mn"][i] is None else float(per["mn"][i]),
            "co_responders": partners.get(a, 0), "swarm_size": sizes[swarm_of[a]],
            "evidence": (f"responded within {w:g} s to {int(kt[i])} of {n_t} posts matching "
                         f"{trig.label} (median {float(med or 0):.0f} s) and to {int(kc[i])} of "
                         f"{n_c} comparable posts without it (expected {expected:.1f} on the "
                         f"trigger posts if the term did not matter, q={q[i]:.2g}); responded "
                         f"together with {partners.get(a, 0)} other members"),
        })
    rows.sort(key=lambda r: (r["swarm"], -r["triggers_responded"], r["account"]))
    swarm_ids = sorted(sizes)
    summary.update({"flagged": len(rows), "swarms": swarm_ids,
                    "swarm_sizes": [sizes[s] for s in swarm_ids]})
    lat = _latencies(con, trig, swarm_of, swarm_ids[0] if swarm_ids else None)
    _latency_summary(con, lat, summary, w, n_t, n_c)
    return rows, lat, summary


def _recurring_sets(con: duckdb.DuckDBPyConnection, flagged: list[str], window: float,
                    min_shared: int, min_swarm: int, first_id: int
                    ) -> tuple[dict[str, int], dict[str, int]]:
    if len(flagged) < 2:
        return {}, {}
    with registered(con, tmp_sw_flagged=pa.table({"account": pa.array(flagged, pa.string())})):
        pairs = con.sql(f"""
            WITH r AS (
                SELECT r.responder, r.platform, r.post_id FROM sw_resp r
                JOIN sw_trig t ON t.platform = r.platform AND t.action_id = r.post_id
                JOIN tmp_sw_flagged f ON f.account = r.responder
                WHERE r.latency_s <= {float(window)}
            )
            SELECT a.responder AS a, b.responder AS b, count(*) AS shared
            FROM r a JOIN r b ON a.platform = b.platform AND a.post_id = b.post_id
             AND a.responder < b.responder
            GROUP BY ALL HAVING count(*) >= {int(min_shared)}
        """).to_arrow_table().to_pydict()
    parent = {a: a for a in flagged}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    partners: dict[str, int] = {}
    for a, b in zip(pairs["a"], pairs["b"], strict=True):
        partners[a] = partners.get(a, 0) + 1
        partners[b] = partners.get(b, 0) + 1
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[str, list[str]] = {}
    for a in flagged:
        comps.setdefault(find(a), []).append(a)
    big = sorted((sorted(c) for c in comps.values() if len(c) >= min_swarm),
                 key=lambda c: (-len(c), c[0]))
    swarm_of = {a: first_id + i for i, c in enumerate(big) for a in c}
    return swarm_of, partners


def _latencies(con: duckdb.DuckDBPyConnection, trig: Trigger, swarm_of: dict[str, int],
               default_swarm: int | None) -> pa.Table:
    members = pa.table({"account": pa.array(list(swarm_of), pa.string()),
                        "swarm": pa.array(list(swarm_of.values()), pa.int64())})
    with registered(con, tmp_sw_members=members,
                    tmp_sw_label=pa.table({"label": [trig.label],
                                           "dflt": pa.array([default_swarm], pa.int64())})):
        return con.sql("""
            WITH r AS (
                SELECT r.*, 'trigger' AS side FROM sw_resp r
                JOIN sw_trig t ON t.platform = r.platform AND t.action_id = r.post_id
                UNION ALL
                SELECT r.*, 'control' FROM sw_resp r
                JOIN sw_ctrl c ON c.platform = r.platform AND c.action_id = r.post_id
            )
            SELECT coalesce(CASE WHEN r.side = 'trigger' THEN m.swarm END, l.dflt) AS swarm,
                   l.label AS trigger, r.responder AS account, r.latency_s,
                   CASE WHEN r.side = 'control' THEN 'control'
                        WHEN m.swarm IS NOT NULL THEN 'swarm' ELSE 'other' END AS "group",
                   r.post_id AS post, r.platform, r.kind
            FROM r LEFT JOIN tmp_sw_members m ON m.account = r.responder, tmp_sw_label l
            ORDER BY "group", latency_s, account
        """).to_arrow_table().cast(LATENCY_SCHEMA)


def _latency_summary(con: duckdb.DuckDBPyConnection, lat: pa.Table, summary: dict[str, Any],
                     window: float, n_t: int, n_c: int) -> None:
    with registered(con, tmp_sw_lat=lat):
        rows = con.sql(f"""
            SELECT "group", median(latency_s) AS med,
                   count(*) FILTER (WHERE latency_s <= {window}) AS quick
            FROM tmp_sw_lat GROUP BY "group"
        """).to_arrow_table().to_pylist()
    by = {r["group"]: r for r in rows}
    quick_t = sum(by.get(g, {}).get("quick", 0) or 0 for g in ("swarm", "other"))
    summary["quick_responders_per_trigger"] = round(quick_t / n_t, 3) if n_t else None
    summary["quick_responders_per_control"] = (round((by.get("control", {}).get("quick") or 0)
                                                     / n_c, 3) if n_c else None)
    for g in ("swarm", "other", "control"):
        med = by.get(g, {}).get("med")
        summary[f"median_latency_{g}_s"] = None if med is None else float(med)


# ------------------------------------------------------------------------------------------
# Discovery


def discover_terms(con: duckdb.DuckDBPyConnection, window: float = DEFAULT_WINDOW,
                   min_hits: int = 3, min_swarm: int = 3, min_triggers: int = 3,
                   alpha: float = 0.01, max_terms: int = 5, min_term_length: int = 3
                   ) -> list[tuple[str, float, int]]:
    """Terms whose posts attract recurring quick responders (step 6): ``(term, score,
    responders)`` best first. Needs :func:`prepare_responses` first."""
    w = float(window)
    n = max(1, int(min_term_length))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sw_terms AS
        SELECT DISTINCT platform, action_id, term FROM (
            SELECT platform, action_id,
                   unnest(regexp_extract_all(lower(regexp_replace(regexp_replace(text,
                          'https?://[^\\s]+', ' ', 'g'), '@[^\\s]+', ' ', 'g')),
                          '#?[\\pL\\pN_]{{{n},}}')) AS term
            FROM sw_posts WHERE text IS NOT NULL
        )
    """)
    cand = con.sql(f"""
        WITH q AS (SELECT platform, post_id, responder FROM sw_resp WHERE latency_s <= {w}),
        ra AS (SELECT responder, count(*) AS r_a FROM q GROUP BY responder
               HAVING count(*) >= {int(min_hits)}),
        weight AS (
            SELECT s.platform, s.action_id, 1 + coalesce(p.pop, 0) AS wt
            FROM sw_posts s LEFT JOIN sw_pop p ON p.platform = s.platform
             AND p.post_id = s.action_id
        ),
        total AS (SELECT sum(wt) AS total FROM weight),
        term_posts AS (
            SELECT t.term, count(*) AS n_posts, sum(w.wt) AS term_wt
            FROM sw_terms t JOIN weight w ON w.platform = t.platform AND w.action_id = t.action_id
            GROUP BY t.term HAVING count(*) >= {int(min_triggers)}
        ),
        k AS (
            SELECT t.term, q.responder, count(*) AS k
            FROM q JOIN sw_terms t ON t.platform = q.platform AND t.action_id = q.post_id
            GROUP BY ALL
        )
        SELECT k.term, k.responder, k.k, ra.r_a, tp.term_wt / total.total AS p_w,
               (SELECT count(*) FROM k) AS m
        FROM k JOIN ra USING (responder) JOIN term_posts tp USING (term), total
        WHERE k.k >= {int(min_hits)}
    """).to_arrow_table().to_pydict()
    if not cand["term"]:
        return []
    m = int(cand["m"][0])
    terms = np.asarray(cand["term"], dtype=object)
    resp = np.asarray(cand["responder"], dtype=object)
    k = np.asarray(cand["k"], dtype=np.int64)
    r_a = np.asarray(cand["r_a"], dtype=np.int64)
    p_w = np.asarray(cand["p_w"], dtype=float)
    p = binom.sf(k - 1, r_a, np.clip(p_w, 1e-12, 1.0))
    q = _bh(p, m)
    sig = q <= alpha
    cand_terms = sorted({t for t, s in zip(terms, sig, strict=True) if s})
    if not cand_terms:
        return []
    # Greedy explaining-away on the posts of the candidate terms.
    with registered(con, tmp_sw_cand=pa.table({"term": pa.array(cand_terms, pa.string())})):
        detail = con.sql(f"""
            WITH q AS (SELECT platform, post_id, responder FROM sw_resp WHERE latency_s <= {w})
            SELECT t.term, t.platform || ':' || t.action_id AS post,
                   1 + coalesce(any_value(p.pop), 0) AS wt,
                   list(q.responder) FILTER (WHERE q.responder IS NOT NULL) AS responders
            FROM sw_terms t JOIN tmp_sw_cand c USING (term)
            LEFT JOIN sw_pop p ON p.platform = t.platform AND p.post_id = t.action_id
            LEFT JOIN q ON q.platform = t.platform AND q.post_id = t.action_id
            GROUP BY t.term, t.platform, t.action_id
        """).to_arrow_table().to_pydict()
        total_wt = float(con.execute(
            "SELECT sum(1 + coalesce(p.pop, 0)) FROM sw_posts s LEFT JOIN sw_pop p "
            "ON p.platform = s.platform AND p.post_id = s.action_id").fetchall()[0][0])
    r_of = dict(zip(resp, r_a, strict=True))
    posts_of: dict[str, list[tuple[str, int, list[str]]]] = {}
    for t, post, wt, rs in zip(detail["term"], detail["post"], detail["wt"],
                               detail["responders"], strict=True):
        posts_of.setdefault(t, []).append((post, int(wt), list(rs or [])))
    claimed: set[str] = set()
    found: list[tuple[str, float, int]] = []
    while len(found) < max_terms:
        best: tuple[float, str, int] | None = None
        for t, plist in posts_of.items():
            if any(t == f[0] for f in found):
                continue
            left = [x for x in plist if x[0] not in claimed]
            if len(left) < min_triggers:
                continue
            share = sum(x[1] for x in left) / max(total_wt, 1.0)
            counts: dict[str, int] = {}
            for _, _, rs in left:
                for a in rs:
                    counts[a] = counts.get(a, 0) + 1
            accs = [a for a, c in counts.items() if c >= min_hits and a in r_of]
            if len(accs) < min_swarm:
                continue
            kk = np.array([counts[a] for a in accs])
            rr = np.array([r_of[a] for a in accs])
            pp = binom.sf(kk - 1, rr, min(max(share, 1e-12), 1.0))
            qq = np.minimum(1.0, pp * m)  # re-tests use a Bonferroni bound over all pairs
            ok = qq <= alpha
            if ok.sum() < min_swarm:
                continue
            score = float(-np.log10(np.maximum(qq[ok], 1e-300)).sum())
            if best is None or score > best[0] or (score == best[0] and t < best[1]):
                best = (score, t, int(ok.sum()))
        if best is None:
            break
        found.append((best[1], round(best[0], 3), best[2]))
        claimed |= {x[0] for x in posts_of[best[1]]}
    return found


# ------------------------------------------------------------------------------------------
# Entry point


def find_swarms(con: duckdb.DuckDBPyConnection, keywords: Sequence[str] = (),
                regexes: Sequence[str] = (), hashtags: Sequence[str] = (),
                watch_accounts: Sequence[str] = (), window: float = DEFAULT_WINDOW,
                max_latency: float = DEFAULT_MAX_LATENCY, controls_per_trigger: int = 5,
                min_hits: int = 3, min_shared: int = 2, min_swarm: int = 3, alpha: float = 0.01,
                discover: bool | None = None, max_terms: int = 5, min_triggers: int = 3,
                min_term_length: int = 3) -> SwarmResult:
    """Find keyword-triggered swarms in the ``actions`` view of ``con`` (module docstring)."""
    if window <= 0 or max_latency < window:
        raise UsageError("window must be > 0 and max_latency >= window")
    triggers = ([Trigger("keyword", k) for k in keywords if k.strip()]
                + [Trigger("regex", r) for r in regexes if r]
                + [Trigger("hashtag", h.lstrip("#")) for h in hashtags if h.strip("#")]
                + [Trigger("account", a.lstrip("@")) for a in watch_accounts if a.strip("@")])
    for t in triggers:
        if t.kind == "regex":
            _check_regex(con, t.value)
    do_discover = (not triggers) if discover is None else discover
    params: dict[str, Any] = {
        "keywords": list(keywords), "regexes": list(regexes), "hashtags": list(hashtags),
        "watch_accounts": list(watch_accounts), "window": window, "max_latency": max_latency,
        "controls_per_trigger": controls_per_trigger, "min_hits": min_hits,
        "min_shared": min_shared, "min_swarm": min_swarm, "alpha": alpha,
        "discover": do_discover, "max_terms": max_terms, "min_triggers": min_triggers,
        "min_term_length": min_term_length,
    }
    try:
        prepare_responses(con, window, max_latency)
        scores: dict[str, float] = {}
        if do_discover:
            found = discover_terms(con, window, min_hits, min_swarm, min_triggers, alpha,
                                   max_terms, min_term_length)
            given = {t.label.lower() for t in triggers}
            for term, score, _ in found:
                if term not in given:
                    triggers.append(Trigger("discovered", term))
                scores[term] = score
            params["discovered"] = [f[0] for f in found]
        rows: list[dict[str, Any]] = []
        lats: list[pa.Table] = []
        summaries: list[dict[str, Any]] = []
        next_id = 1
        for t in triggers:
            r, lat, summary = _score_trigger(con, t, window, controls_per_trigger, min_hits,
                                             min_shared, min_swarm, alpha, next_id)
            summary["discovery_score"] = scores.get(t.label.lower())
            next_id += len(summary["swarms"])
            rows += r
            lats.append(lat)
            summaries.append(summary)
    finally:
        _drop(con)
    return SwarmResult(
        swarms=pa.Table.from_pylist(rows, schema=SWARMS_SCHEMA),
        latencies=pa.concat_tables(lats) if lats else LATENCY_SCHEMA.empty_table(),
        triggers=pa.Table.from_pylist(summaries, schema=TRIGGERS_SCHEMA),
        params=params,
    )
