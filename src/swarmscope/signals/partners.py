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
import pyarrow.compute as pc
from scipy.special import pdtrc

from ..arrowbuf import from_numpy, to_numpy
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
    strong = from_numpy(to_numpy(scored.column("p_value")) <= tau)
    # Arrow kernels, not NumPy on strings: converting string columns to Python
    # objects is slow and makes pyarrow import pandas (see swarmscope.arrowbuf).
    ends = pa.chunked_array([*scored.column("a").filter(strong).chunks,
                             *scored.column("b").filter(strong).chunks], pa.string())
    if not len(ends):
        return empty_partner_tests()
    vc = pc.value_counts(ends)
    order = pc.sort_indices(vc.field("values"))
    names = vc.field("values").take(order)
    counts = to_numpy(vc.field("counts").take(order))
    at = pc.index_in(names, value_set=candidates.column("account"))
    m = to_numpy(candidates.column("candidate_partners").take(at)).astype(np.float64)
    lam = tau * m
    p_acc = pdtrc(counts - 1, lam)
    q_acc = benjamini_hochberg(p_acc, m=max(n_accounts, len(p_acc)))
    return pa.table({
        "account": names,
        "candidate_partners": from_numpy(m.astype(np.int64)),
        "strong_partners": from_numpy(counts.astype(np.int64)),
        "expected_strong": from_numpy(lam),
        "p_partners": from_numpy(np.asarray(p_acc, dtype=np.float64)),
        "q_partners": from_numpy(np.asarray(q_acc, dtype=np.float64)),
    })


def empty_partner_tests() -> pa.Table:
    """The result of :func:`partner_test` with no rows."""
    # From the schema, not from Python lists: converting Python objects (even an empty list)
    # makes pyarrow import pandas (see swarmscope.arrowbuf).
    return pa.Table.from_batches([], pa.schema([
        ("account", pa.string()), ("candidate_partners", pa.int64()),
        ("strong_partners", pa.int64()), ("expected_strong", pa.float64()),
        ("p_partners", pa.float64()), ("q_partners", pa.float64())]))
