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


def score_pairs(con: duckdb.DuckDBPyConnection, pairs: str = "pairs",
                events: str = "events", min_objects: int = 2) -> pa.Table:
    """Expected events, p-value and q-value for every pair of ``pairs``.

    ``pairs`` has (behaviour, a, b, n_objects, ...); ``events`` the co-action events. Returns
    the pairs table with ``expected``, ``p_value`` and ``q_value`` appended.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE endpoint_hours AS
        SELECT behaviour, account, h, count(*) AS c FROM (
            SELECT behaviour, acc_x AS account, (t_x // {_HOUR}) % 24 AS h FROM {events}
            UNION ALL
            SELECT behaviour, acc_y AS account, (t_x // {_HOUR}) % 24 AS h FROM {events}
        ) GROUP BY behaviour, account, h
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE hour_totals AS
        SELECT behaviour, h, sum(c) AS endpoints FROM endpoint_hours GROUP BY behaviour, h
    """)
    expected = con.sql(f"""
        SELECT p.behaviour, p.a, p.b, sum(ea.c * eb.c / ht.endpoints) AS expected
        FROM {pairs} p
        JOIN endpoint_hours ea ON ea.behaviour = p.behaviour AND ea.account = p.a
        JOIN endpoint_hours eb ON eb.behaviour = p.behaviour AND eb.account = p.b AND eb.h = ea.h
        JOIN hour_totals ht ON ht.behaviour = p.behaviour AND ht.h = ea.h
        WHERE p.n_objects >= {int(min_objects)}
        GROUP BY p.behaviour, p.a, p.b
    """).to_arrow_table()
    con.register("expected_tbl", expected)
    tbl = con.sql(f"""
        SELECT p.*, coalesce(e.expected, 0.0) AS expected,
               (p.n_objects >= {int(min_objects)}) AS tested
        FROM {pairs} p LEFT JOIN expected_tbl e
          ON e.behaviour = p.behaviour AND e.a = p.a AND e.b = p.b
        ORDER BY p.behaviour, p.a, p.b
    """).to_arrow_table()
    con.unregister("expected_tbl")
    k = tbl.column("n_objects").to_numpy()
    lam = tbl.column("expected").to_numpy()
    tested = tbl.column("tested").to_numpy(zero_copy_only=False)
    p = np.ones(len(k))
    mask = tested & (k > 0)
    # P(X >= k) = pdtrc(k - 1, lambda); lambda = 0 with k >= 1 means impossible under the null.
    p[mask] = pdtrc(k[mask] - 1, np.maximum(lam[mask], 1e-300))
    behaviours = tbl.column("behaviour").to_numpy(zero_copy_only=False)
    q = np.ones(len(k))
    for beh in np.unique(behaviours) if len(behaviours) else []:
        idx = np.nonzero(behaviours == beh)[0]
        q[idx] = benjamini_hochberg(p[idx])
    tbl = tbl.drop_columns(["tested"])
    tbl = tbl.append_column("p_value", pa.array(p, type=pa.float64()))
    tbl = tbl.append_column("q_value", pa.array(q, type=pa.float64()))
    return tbl


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), same order as ``p``.

    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    return out
