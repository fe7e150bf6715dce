"""Account-level test: too many strong partners for chance.

A member of a sparse operation (a handful of coordinated actions each) shares two or three
objects with each of many other members. Each pair is strong (``p`` far below chance) but, with
Benjamini-Hochberg over every candidate pair of the behaviour, rarely below ``alpha`` on its
own. What is improbable is the *number* of such partners: an organic account meets a strong
partner by chance once in a while, a ring member meets a dozen.

Method
------
For account ``a`` in one behaviour, ``m_a`` is the number of its candidate partners (accounts it
co-acted with at least once, tested or not) and ``S_a`` the number of those whose pair p-value
(``max(p_random, p_source)``, :mod:`swarmscope.signals.significance`) is at most ``tau``. Under
the null each candidate pair has ``P(p <= tau) <= tau`` (the Poisson tail is conservative and
untested pairs have ``p = 1``), so ``S_a`` is at most Poisson-binomial with mean ``tau * m_a``;
treating the partners as independent,

    p_partners(a) = P(X >= S_a),  X ~ Poisson(tau * m_a)

and ``q_partners`` is its Benjamini-Hochberg adjustment over every account with a candidate
partner in the behaviour. It is the account-level analogue of counting a node's significant
edges against the degree the null allows (the "excess degree" screens of coordination networks,
Pacheco et al. 2021), with the edges' own null model doing the work.

Parameters: ``tau`` (``DEFAULT_TAU`` = 0.001), the pair p-value that makes a partner "strong".

References
----------
- Pacheco et al. (2021), *Uncovering coordinated networks on social media*, ICWSM.
- Benjamini & Hochberg (1995), *Controlling the false discovery rate*, JRSS B 57(1).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy.special import pdtrc

from ..arrowbuf import to_numpy
from .significance import benjamini_hochberg

DEFAULT_TAU = 0.001


def partner_test(scored: pa.Table, candidates: pa.Table, n_accounts: int,
                 tau: float = DEFAULT_TAU) -> pa.Table:
    """Per account with a strong partner: ``account, candidate_partners, strong_partners,
    expected_strong, p_partners, q_partners``.

    ``scored`` holds the tested pairs (``a``, ``b``, ``p_value``); ``candidates`` the number of
    candidate partners per account (``account``, ``candidate_partners``) for at least every
    account of ``scored``; ``n_accounts`` how many accounts have a candidate partner at all (the
    number of hypotheses: accounts without a strong partner have ``p = 1``).
    """
    p = to_numpy(scored.column("p_value"))
    strong = p <= tau
    ends = np.concatenate([scored.column("a").to_numpy(zero_copy_only=False)[strong],
                           scored.column("b").to_numpy(zero_copy_only=False)[strong]])
    if not len(ends):
        return empty_partner_tests()
    names, counts = np.unique(ends.astype(object), return_counts=True)
    cand = dict(zip(candidates.column("account").to_pylist(),
                    candidates.column("candidate_partners").to_pylist(), strict=True))
    m = np.array([cand[n] for n in names], dtype=np.float64)
    lam = tau * m
    p_acc = pdtrc(counts - 1, lam)
    q_acc = benjamini_hochberg(p_acc, m=max(n_accounts, len(p_acc)))
    return pa.table({
        "account": pa.array(names.tolist(), pa.string()),
        "candidate_partners": pa.array(m.astype(np.int64)),
        "strong_partners": pa.array(counts.astype(np.int64)),
        "expected_strong": pa.array(lam, pa.float64()),
        "p_partners": pa.array(p_acc, pa.float64()),
        "q_partners": pa.array(q_acc, pa.float64()),
    })


def empty_partner_tests() -> pa.Table:
    """The result of :func:`partner_test` with no rows."""
    return pa.table({"account": pa.array([], pa.string()),
                     "candidate_partners": pa.array([], pa.int64()),
                     "strong_partners": pa.array([], pa.int64()),
                     "expected_strong": pa.array([], pa.float64()),
                     "p_partners": pa.array([], pa.float64()),
                     "q_partners": pa.array([], pa.float64())})
