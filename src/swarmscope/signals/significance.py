"""Significance of co-action edges against a null model, and FDR control.

Null model
----------
Co-action events form a multigraph on accounts (one edge per event). The null is the
configuration (Chung-Lu) model of that multigraph, stratified by hour of day: under it, account
``a`` takes part in ``C_a(h)`` events at hour ``h`` (its observed number, which reflects its
activity volume, its preference for crowded or viral objects, and its speed), and event endpoints
are matched at random within the hour. The expected number of events between ``a`` and ``b`` is

    lambda_ab = sum_h C_a(h) * C_b(h) / (2 * P_h)

where ``P_h`` is the number of events at hour ``h`` (hour of the earlier action, UTC). The null
keeps each account's volume and daily rhythm and each object's popularity (popular objects
produce many events for everyone who shares them, and so raise everyone's ``C``); it breaks only
*who is matched with whom*. This is the null of modularity (Newman 2006) applied to the
co-action graph, in the spirit of the "coordination beyond chance" tests of Pacheco et al. (2021)
and of the coordinationz null model, and answers the criticism of fixed thresholds in Schoch et al.
(2022) by scoring every pair against its own expectation.

Test statistic: ``k_ab`` = number of distinct objects on which ``a`` and ``b`` co-acted. Under the
null, ``k_ab`` is at most the number of events, so comparing ``k_ab`` with a Poisson(``lambda_ab``)
expectation of events is conservative: ``p = P(X >= k_ab)``, ``X ~ Poisson(lambda_ab)``.

Multiple testing: Benjamini-Hochberg q-values over *all* candidate pairs of the behaviour (pairs
below ``min_objects`` are counted in ``m`` with ``p = 1``), so the expected share of false
discoveries among edges with ``q <= alpha`` is at most ``alpha`` under the null.

Limitations: when a case contains only coordinated accounts there is nothing to compare with
(every account's ``C`` is dominated by the operation); the null assumes events are exchangeable
within an hour of day, so two accounts in the same time zone with the same tastes are closer than
the model expects (this is why a q-value is evidence for review, not proof).

References
----------
- Newman (2006), *Modularity and community structure in networks*, PNAS 103(23).
- Chung & Lu (2002), *Connected components in random graphs with given expected degree
  sequences*, Annals of Combinatorics 6.
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

_HOUR = 3_600_000_000


def score_pairs(con: duckdb.DuckDBPyConnection, total_pairs: int, pairs: str = "pairs",
                events: str = "events") -> pa.Table:
    """Expected events, p-value and q-value for the tested pairs in ``pairs``.

    ``pairs`` holds the tested pairs (behaviour, a_id, b_id, n_objects, ...), ``events`` the
    integer co-action events of :func:`~swarmscope.signals.coaction.prepare_events`, and
    ``total_pairs`` the number of all candidate pairs of the behaviour: untested pairs enter the
    Benjamini-Hochberg correction with ``p = 1``. Returns ``pairs`` with ``expected``,
    ``p_value`` and ``q_value`` appended.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE endpoint_hours AS
        SELECT behaviour, aid, h, count(*) AS c FROM (
            SELECT behaviour, ax AS aid, (t_x // {_HOUR}) % 24 AS h FROM {events}
            UNION ALL
            SELECT behaviour, ay AS aid, (t_x // {_HOUR}) % 24 AS h FROM {events}
        ) GROUP BY behaviour, aid, h
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE hour_totals AS
        SELECT behaviour, h, sum(c) AS endpoints FROM endpoint_hours GROUP BY behaviour, h
    """)
    tbl = con.sql(f"""
        WITH expected AS (
            SELECT p.behaviour, p.a_id, p.b_id, sum(ea.c * eb.c / ht.endpoints) AS expected
            FROM {pairs} p
            JOIN endpoint_hours ea ON ea.behaviour = p.behaviour AND ea.aid = p.a_id
            JOIN endpoint_hours eb ON eb.behaviour = p.behaviour AND eb.aid = p.b_id
                                   AND eb.h = ea.h
            JOIN hour_totals ht ON ht.behaviour = p.behaviour AND ht.h = ea.h
            GROUP BY p.behaviour, p.a_id, p.b_id
        )
        SELECT p.*, coalesce(e.expected, 0.0) AS expected
        FROM {pairs} p LEFT JOIN expected e USING (behaviour, a_id, b_id)
        ORDER BY p.behaviour, p.a, p.b
    """).to_arrow_table()
    k = tbl.column("n_objects").to_numpy()
    lam = tbl.column("expected").to_numpy()
    # P(X >= k) = pdtrc(k - 1, lambda)
    p = pdtrc(k - 1, np.maximum(lam, 1e-300)) if len(k) else np.ones(0)
    behaviours = tbl.column("behaviour").to_numpy(zero_copy_only=False)
    q = np.ones(len(k))
    for beh in (np.unique(behaviours) if len(behaviours) else []):
        idx = np.nonzero(behaviours == beh)[0]
        q[idx] = benjamini_hochberg(p[idx], m=max(total_pairs, len(idx)))
    tbl = tbl.append_column("p_value", pa.array(p, type=pa.float64()))
    tbl = tbl.append_column("q_value", pa.array(q, type=pa.float64()))
    return tbl


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
