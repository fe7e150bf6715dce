"""Editor interaction (Editor Interaction Analyser / Interaction Timeline parity)."""

from __future__ import annotations

import pytest

from conftest import require_shared
from swarmscope import Case
from swarmscope.ingest import ingest
from swarmscope.wiki.forensics._base import prepare
from swarmscope.wiki.forensics.interaction import compute_interactions
from wikihist import make_case, rev


def _run(case, users, **kw):
    out = compute_interactions(prepare(case), users, **kw)
    pages: dict[str, dict] = {}
    for r in out["wiki_interactions"].to_pylist():
        pages.setdefault(r["page"], {})[r["account"]] = r
    return pages, out["wiki_interaction_timeline"].to_pylist()


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    revs = [
        rev("P1", "X", 0), rev("P1", "Other", 5), rev("P1", "Y", 10), rev("P1", "X", 100),
        rev("P2", "Y", 200), rev("P2", "Y", 201), rev("P2", "Z", 203),
        rev("P3", "X", 250),                      # only X: not in common
        rev("P4", "X", 300), rev("P4", "Y", 400), rev("P4", "Z", 500),
        rev("User:Y", "X", 600, ns=2), rev("User:Y", "Y", 601, ns=2),
    ]
    return make_case(tmp_path_factory.mktemp("ia"), revs)


def test_pages_in_common_min_gap_and_first_editor(case):
    pages, _ = _run(case, ["X", "Y", "Z"])
    assert set(pages) == {"P1", "P2", "P4", "User:Y"}
    p1 = pages["P1"]["X"]
    # Edits of accounts outside the set do not break a gap: X at 0, Y at 10 -> 600 s.
    assert p1["min_gap_s"] == 600 and p1["min_gap_accounts"] == ["X", "Y"]
    assert p1["first_account"] == "X" and p1["n_accounts"] == 2 and p1["edits"] == 2
    assert pages["P1"]["Y"]["edits"] == 1 and p1["switches"] == 2
    p2 = pages["P2"]["Z"]
    assert p2["min_gap_s"] == 120 and p2["min_gap_accounts"] == ["Y", "Z"]
    assert p2["first_account"] == "Y" and p2["accounts"] == ["Y", "Z"]
    assert pages["P4"]["Z"]["min_gap_s"] == 6000 and pages["P4"]["Z"]["n_accounts"] == 3


def test_require_all_and_namespaces(case):
    pages, _ = _run(case, ["X", "Y", "Z"], require_all=True)
    assert set(pages) == {"P4"}
    pages, _ = _run(case, ["X", "Y"], namespaces=[0])
    assert set(pages) == {"P1", "P4"}  # P2 has no X; User:Y is in namespace 2


def test_interaction_timeline_in_time_order_with_gaps(case):
    _, timeline = _run(case, ["X", "Y", "Z"], namespaces=[0])
    got = [(t["account"], t["page"]) for t in timeline]
    assert got == [("X", "P1"), ("Y", "P1"), ("X", "P1"), ("Y", "P2"), ("Y", "P2"),
                   ("Z", "P2"), ("X", "P4"), ("Y", "P4"), ("Z", "P4")]
    assert [t["gap_prev_s"] for t in timeline] == [None, 600, 5400, 6000, 60, 120, 5820,
                                                   6000, 6000]
    y2 = timeline[4]
    assert (y2["gap_prev_page_s"], y2["prev_account_page"], y2["switch"]) == (60, "Y", False)
    z = timeline[5]
    assert (z["gap_prev_page_s"], z["prev_account_page"], z["switch"]) == (120, "Y", True)
    assert timeline[3]["gap_prev_page_s"] is None  # first edit of the set on P2
    assert [t["seq"] for t in timeline] == list(range(1, 10))


def test_no_truncation(tmp_path):
    revs = [rev("Long", "X" if i % 2 else "Y", i) for i in range(3000)]
    revs.append(rev("Long", "Bystander", 1.5))
    case = make_case(tmp_path, revs)
    pages, timeline = _run(case, ["X", "Y"])
    assert len(timeline) == 3000
    assert pages["Long"]["X"]["edits"] == 1500 and pages["Long"]["X"]["switches"] == 2999
    assert pages["Long"]["X"]["min_gap_s"] == 60  # the bystander at 1.5 min breaks nothing


def test_pyrus_interaction(tmp_path):
    path = require_shared("wikipedia", "xml", "article-pyrus.xml")
    case = Case.init(tmp_path / "case")
    ingest(case, [path], format="mediawiki-xml")
    pages, timeline = _run(Case.open(case.path),
                           ["Jkokemueller", "IceCreamAntisocial", "Cottonapple4", "Rkitko"])
    p = pages["Pyrus"]["Rkitko"]
    # Cottonapple4 2008-09-13 12:57:33 -> Rkitko 2008-09-14 17:08:56
    assert p["min_gap_s"] == 101_483 and p["min_gap_accounts"] == ["Cottonapple4", "Rkitko"]
    assert p["first_account"] == "Jkokemueller" and p["n_accounts"] == 4
    # Jkokemueller 2008-02-07 14:06:10 -> IceCreamAntisocial (reverting him) 02-10 07:21:12
    assert timeline[1]["gap_prev_s"] == 234_902 and timeline[1]["is_revert"]
    assert timeline[1]["reverted_users"] == ["Jkokemueller"]


def test_names_as_mediawiki_writes_them(case):
    """Underscores are spaces and the first letter is upper case, as on the wiki."""
    pages, _ = _run(case, ["x", "y"])
    assert set(pages) == {"P1", "P4", "User:Y"}
