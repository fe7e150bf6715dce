"""The account-level partner test: too many strong partners for chance."""

import math

import pyarrow as pa
import pytest

from swarmscope.signals.partners import partner_test


def test_counts_strong_partners_against_tau_times_candidates():
    # r has five partners at p <= 0.001 out of 20 candidates; o one out of 50
    pairs = [("r", f"m{i}", 1e-5) for i in range(5)] + [("o", "x", 1e-4), ("o", "y", 0.02)]
    scored = pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs],
                       "p_value": [p[2] for p in pairs]})
    names = ["r", "o", "x"] + [f"m{i}" for i in range(5)]
    candidates = pa.table({"account": names,
                           "candidate_partners": [20, 50, 3] + [4] * 5})
    out = {r["account"]: r for r in partner_test(scored, candidates, n_accounts=100).to_pylist()}
    assert "y" not in out  # only weak partners: not tested, p = 1
    assert out["r"]["strong_partners"] == 5 and out["r"]["candidate_partners"] == 20
    lam = 0.001 * 20
    tail = 1 - sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(5))
    assert out["r"]["p_partners"] == pytest.approx(tail, rel=1e-6)
    assert out["o"]["p_partners"] == pytest.approx(1 - math.exp(-0.05), rel=1e-9)
    # Benjamini-Hochberg over the 100 accounts with a candidate partner
    assert out["r"]["q_partners"] == pytest.approx(tail * 100, rel=1e-6)
    assert out["o"]["q_partners"] > 0.5


def test_no_strong_partner_gives_an_empty_table():
    scored = pa.table({"a": ["a"], "b": ["b"], "p_value": [0.5]})
    cand = pa.table({"account": ["a", "b"], "candidate_partners": [1, 1]})
    assert partner_test(scored, cand, n_accounts=2).num_rows == 0
