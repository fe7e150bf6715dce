"""Revert network, edit-war M-statistic and the statistics of the tag-team test, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, poisson

from swarmscope.wiki.forensics._base import bh_qvalues, entropy, prepare
from swarmscope.wiki.forensics.revertnet import edit_wars, revert_accounts, revert_network
from swarmscope.wiki.forensics.tagteam import _tail, compute_tag_teams
from wikihist import make_case, rev


@pytest.fixture(scope="module")
def war(tmp_path_factory):
    # W: A and B revert each other, then C and D; E edits once.
    # X: A reverts the IP twice (a one-way relation).
    revs = [
        rev("W", "A", 0, "c1"), rev("W", "B", 1, "c2"),
        rev("W", "A", 2, "c1"),            # A reverts B
        rev("W", "B", 3, "c2"),            # B reverts A
        rev("W", "C", 4, "c3"),
        rev("W", "D", 5, "c2"),            # D reverts C
        rev("W", "C", 6, "c3"),            # C reverts D
        rev("W", "E", 7, "c4"),
        rev("X", "A", 10, "x1"), rev("X", "203.0.113.9", 11, "junk"),
        rev("X", "A", 12, "x1", comment="rv vandalism"),
        rev("X", "203.0.113.9", 13, "junk2"),
        rev("X", "A", 14, "x1"),
    ]
    return prepare(make_case(tmp_path_factory.mktemp("war"), revs))


def test_revert_network_edges(war):
    edges = {(r["reverter"], r["reverted"]): r for r in revert_network(war).to_pylist()}
    assert set(edges) == {("A", "B"), ("B", "A"), ("D", "C"), ("C", "D"), ("A", "203.0.113.9")}
    assert edges[("A", "B")]["mutual"] and edges[("C", "D")]["mutual"]
    ip = edges[("A", "203.0.113.9")]
    assert (ip["reverts"], ip["mutual"], ip["reverted_is_ip"], ip["pages"]) == (2, False, True,
                                                                                 ["X"])
    acc = {r["account"]: r for r in revert_accounts(war).to_pylist()}
    assert (acc["A"]["reverts_made"], acc["A"]["opponents"], acc["A"]["pages_reverting"]) == \
        (3, 2, 2)
    assert acc["203.0.113.9"]["times_reverted"] == 2 and acc["203.0.113.9"]["reverts_made"] == 0


def test_m_statistic_by_hand(war):
    """Mutual pairs on W: {A, B} (2 and 2 edits: min 2) and {C, D} (2 and 1: min 1). The
    topmost pair is excluded, E = 4 editors: M = 4 * 1."""
    wars = {r["page"]: r for r in edit_wars(war).to_pylist()}
    assert set(wars) == {"W"}  # X has no mutual revert
    w = wars["W"]
    assert (w["mutual_pairs"], w["editors_in_mutual_reverts"], w["m_statistic"]) == (2, 4, 4)
    assert w["top_pair"] == ["A", "B"] and w["top_pair_weight"] == 2


def test_tag_team_tables_on_a_tiny_war_find_nothing(war):
    out = compute_tag_teams(war, permutations=20)
    # Nobody shares an opponent with another reverter here.
    assert out["wiki_tag_team_pairs"].num_rows == 0 and out["wiki_tag_teams"].num_rows == 0


def test_tail_probabilities():
    k = np.array([5.0, 5.0, 5.0, 2.0])
    mean = np.array([1.0, 1.0, 1.0, 0.5])
    var = np.array([0.0, 0.8, 3.0, 0.1])
    p = _tail(k, mean, var)
    assert p[0] == pytest.approx(poisson.sf(4, 1.0))             # variance unknown: Poisson
    n = round(1.0 / (1 - 0.8))                                   # binomial with mean, variance
    assert p[1] == pytest.approx(binom.sf(4, n, 1.0 / n))
    assert p[2] > p[0]                                           # over-dispersed: heavier tail
    assert p[3] == pytest.approx(poisson.sf(1, 0.5))             # k beyond the binomial's support


def test_benjamini_hochberg_and_entropy():
    assert bh_qvalues([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3,
                                                                 0.2])
    assert bh_qvalues([0.01], m=10) == [pytest.approx(0.1)]
    assert entropy([1, 1]) == pytest.approx(1.0) and entropy([5]) == 0.0
