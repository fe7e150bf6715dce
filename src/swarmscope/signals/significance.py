"""Significance of co-action edges against a null model, and FDR control.

Null model
----------
Under the null, the partners an account meets in its co-action events are a random sample of
the actions taking place at that hour of the day. Account ``a`` takes part in ``C_a(h)``
co-action events at hour ``h`` (its observed *crowd*: how many other actions fell within the
window on the objects it acted on, which reflects its volume, its preference for popular or
viral objects, and its speed); account ``b`` performs ``d_b(h)`` of the ``N(h)`` actions of the
behaviour at hour ``h``. The expected number of events between ``a`` and ``b`` is

    lambda_ab = 1/2 * sum_h [ C_a(h) * d_b(h) / N(h)  +  C_b(h) * d_a(h) / N(h) ]

(hour of the earlier action, UTC; the two terms are the expectation seen from each side). The
null keeps each account's activity volume and daily rhythm, each object's popularity (a viral
object gives everyone who shares it a large crowd) and each account's taste for crowded objects;
it breaks only *who* meets *whom*. It is the "random partner" null behind coordination tests on
co-action networks (Pacheco et al. 2021; the bipartite configuration-model nulls of the
coordinationz project), estimated from actions rather than from the co-action graph itself: a null
fitted to the co-action graph (e.g. modularity's configuration model) absorbs a group that
dominates the co-action events of a behaviour, and would miss a farm that produces most of the
shared texts of a case. Fixed thresholds (Schoch et al. 2022) are replaced by a per-pair
expectation.

Test statistic: ``k_ab`` = number of distinct objects on which ``a`` and ``b`` co-acted. Under the
null, ``k_ab`` is at most the number of events, so comparing ``k_ab`` with a Poisson(``lambda_ab``)
expectation of events is conservative: ``p = P(X >= k_ab)``, ``X ~ Poisson(lambda_ab)``.

Multiple testing: Benjamini-Hochberg q-values over *all* candidate pairs of the behaviour (pairs
below ``min_objects`` are counted in ``m`` with ``p = 1``), so the expected share of false
discoveries among edges with ``q <= alpha`` is at most ``alpha`` under the null.

Shared sources: accounts that follow the same source (the fans of one idol, aggregator bots
reading the same feed) really do meet more often than random partners. Where objects have a
source in the case, each pair is also tested against the shared-source null of
:mod:`swarmscope.signals.shared_source`, and ``p_value = max(p_random, p_source)``: an edge must
reject both explanations. A q-value is evidence for review, not proof.

References
----------
- Pacheco et al. (2021), *Uncovering coordinated networks on social media*, ICWSM.
- Schoch, Keller, Stier & Yang (2022), *Coordination patterns reveal online political astroturfing
  across the world*, Scientific Reports 12.
- Benjamini & Hochberg (1995), *Controlling the false discovery rate*, JRSS B 57(1).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from scipy.special import pdtrc

from ..arrowbuf import from_numpy, to_numpy
from ..engines import Engine
from .shared_source import source_expectation

_HOUR = 3_600_000_000


def score_pairs(engine: Engine | duckdb.DuckDBPyConnection, total_pairs: int,
                pairs: str = "pairs", events: str = "events",
                sources_sql: str | None = None) -> pa.Table:
    """Expected events, p-value and q-value for the tested pairs in ``pairs``.

    ``pairs`` holds the tested pairs of one behaviour (a_id, b_id, n_objects, ...), ``events``
    the integer co-action events and ``ev`` the ranked actions of
    :func:`~swarmscope.signals.coaction.prepare_events`, and ``total_pairs`` the number of all
    candidate pairs: untested pairs enter the Benjamini-Hochberg correction with ``p = 1``.
    Returns ``pairs`` with ``expected``, ``p_random``, ``expected_source``, ``p_source``,
    ``p_value`` and ``q_value`` appended (on the driver).

    With ``sources_sql`` (the behaviour's catalogue of ``object, source``) each pair is also
    tested against the shared-source null of :mod:`swarmscope.signals.shared_source` and
    ``p_value = max(p_random, p_source)``; without it ``p_value = p_random`` and the source
    columns are null.
    """
    from .coaction import as_engine

    eng = as_engine(engine)
    hour_of = lambda col: f"(({col} // {_HOUR}) % 24)"  # noqa: E731
    # One row per account with 24 crowd counts (events it took part in, by hour of the earlier
    # action) and 24 shares of the hour's actions: the expectation is then a 24-term sum.
    crowd = ", ".join(f"sum(CASE WHEN h = {h} THEN c ELSE 0 END) AS c{h}" for h in range(24))
    share = ", ".join(f"sum(CASE WHEN h = {h} THEN d / n ELSE 0 END) AS r{h}" for h in range(24))
    # Profiles only for accounts of tested pairs (usually a small fraction of all accounts), in
    # one statement: crowds from the events they took part in, shares from their actions and the
    # hour totals from all actions.
    eng.create_table("profiles", f"""
        WITH tested AS (
            SELECT a_id AS aid FROM {pairs} UNION SELECT b_id AS aid FROM {pairs}
        ),
        crowds AS (
            SELECT aid, h, count(*) AS c FROM (
                SELECT ax AS aid, {hour_of("t_x")} AS h FROM {events}
                WHERE ax IN (SELECT aid FROM tested)
                UNION ALL
                SELECT ay AS aid, {hour_of("t_x")} AS h FROM {events}
                WHERE ay IN (SELECT aid FROM tested)
            ) AS u GROUP BY aid, h
        ),
        hour_totals AS (
            SELECT {hour_of("t")} AS h, count(*) AS n FROM ev GROUP BY {hour_of("t")}
        ),
        shares AS (
            SELECT d.aid, d.h, d.d, t.n FROM (
                SELECT aid, {hour_of("t")} AS h, count(*) AS d FROM ev
                WHERE aid IN (SELECT aid FROM tested) GROUP BY aid, {hour_of("t")}
            ) AS d JOIN hour_totals t ON t.h = d.h
        )
        SELECT t.aid, {", ".join(f"coalesce(c.c{h}, 0) AS c{h}" for h in range(24))},
               {", ".join(f"coalesce(r.r{h}, 0) AS r{h}" for h in range(24))}
        FROM tested t
        LEFT JOIN (SELECT aid, {crowd} FROM crowds GROUP BY aid) AS c ON c.aid = t.aid
        LEFT JOIN (SELECT aid, {share} FROM shares GROUP BY aid) AS r ON r.aid = t.aid
    """)
    terms = " + ".join(f"pa.c{h} * pb.r{h} + pb.c{h} * pa.r{h}" for h in range(24))
    source_parts = None
    if sources_sql is not None:
        source_parts = source_expectation(eng, sources_sql, pairs=pairs, events=events)
    tbl = eng.table(f"""
        SELECT p.*, CAST(({terms}) / 2 AS DOUBLE) AS expected
        FROM {pairs} AS p
        JOIN profiles pa ON pa.aid = p.a_id JOIN profiles pb ON pb.aid = p.b_id
        ORDER BY p.a, p.b
    """)
    eng.drop("profiles")
    k = to_numpy(tbl.column("n_objects")).astype(np.float64)
    lam = to_numpy(tbl.column("expected")).astype(np.float64)
    # P(X >= k) = pdtrc(k - 1, lambda)
    p_random = _poisson_tail(k, lam)
    if source_parts is not None:
        keys = _pair_keys(tbl)
        lam_known = _lookup(keys, source_parts[0], "expected_known")
        k_known = _lookup(keys, source_parts[1], "k_known")
        # objects of unknown source keep the random-partner expectation, pro rata
        lam_source = lam_known + lam * (k - k_known) / np.maximum(k, 1.0)
        p_source = _poisson_tail(k, lam_source)
        p = np.maximum(p_random, p_source)
        src_cols = (from_numpy(np.asarray(lam_source, dtype=np.float64)),
                    from_numpy(np.asarray(p_source, dtype=np.float64)))
    else:
        p = p_random
        src_cols = (pa.nulls(len(k), pa.float64()), pa.nulls(len(k), pa.float64()))
    q = benjamini_hochberg(p, m=max(total_pairs, len(p)))
    tbl = tbl.append_column("p_random", from_numpy(np.asarray(p_random, dtype=np.float64)))
    tbl = tbl.append_column("expected_source", src_cols[0])
    tbl = tbl.append_column("p_source", src_cols[1])
    tbl = tbl.append_column("p_value", from_numpy(np.asarray(p, dtype=np.float64)))
    tbl = tbl.append_column("q_value", from_numpy(np.asarray(q, dtype=np.float64)))
    return tbl


def _pair_keys(tbl: pa.Table) -> np.ndarray:
    """One int64 per (a_id, b_id) row: ids are row numbers, far below 2**31."""
    return (to_numpy(tbl.column("a_id")).astype(np.int64) << 31) + to_numpy(tbl.column("b_id"))


def _lookup(keys: np.ndarray, values: pa.Table, column: str) -> np.ndarray:
    """``values[column]`` for each pair key (0 where the pair is absent)."""
    out = np.zeros(len(keys))
    if not values.num_rows:
        return out
    vk = _pair_keys(values)
    order = np.argsort(vk, kind="mergesort")
    vk, v = vk[order], to_numpy(values.column(column)).astype(np.float64)[order]
    at = np.minimum(np.searchsorted(vk, keys), len(vk) - 1)
    hit = vk[at] == keys
    out[hit] = v[at[hit]]
    return out


def _poisson_tail(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``P(X >= k)`` for ``X ~ Poisson(lam)``, elementwise."""
    if not len(k):
        return np.ones(0)
    return pdtrc(k - 1, np.maximum(lam, 1e-300))


def benjamini_hochberg(p: np.ndarray, m: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), same order as ``p``.

    ``m`` is the number of hypotheses when ``p`` holds only some of them (the others having
    ``p = 1``, which only ever rank last).

    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    >>> benjamini_hochberg(np.array([0.01]), m=10).tolist()
    [0.1]
    """
    n = len(p)
    if n == 0:
        return p.copy()
    m = n if m is None else m
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(ranked, 1.0)
    return out
