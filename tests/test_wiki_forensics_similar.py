"""SimilarUsers parity (co-edit overlap, smeared timecards, levels) and the pair score."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pytest

from conftest import require_shared
from swarmscope import Case
from swarmscope.wiki.collect import ACCOUNTS_SCHEMA
from swarmscope.wiki.forensics._base import prepare
from swarmscope.wiki.forensics.pairscore import (
    DEFAULT_WEIGHTS,
    REFERENCE_DAY,
    compute_pair_scores,
    infer_offsets,
)
from swarmscope.wiki.forensics.similar import level
from swarmscope.wiki.forensics.tagteam import compute_tag_teams
from swarmscope.wiki.reverts import compute_reverts
from swarmscope.wiki.wikisocks import ingest_wikisocks
from wikihist import add_table, make_case, rev


def _accounts(rows: dict[str, dict]) -> pa.Table:
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    names = list(rows)
    cols = {f.name: pa.nulls(len(names), f.type) for f in ACCOUNTS_SCHEMA}
    cols["platform"] = pa.array(["wikipedia"] * len(names))
    cols["name"] = pa.array(names)
    cols["fetched_at"] = pa.array([now] * len(names), pa.timestamp("us", tz="UTC"))
    for key in ("is_bot", "registration"):
        cols[key] = pa.array([rows[n].get(key) for n in names], ACCOUNTS_SCHEMA.field(key).type)
    return pa.table(cols, schema=ACCOUNTS_SCHEMA)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    h = 60  # minutes
    revs = [
        # Q: U1 at both ends; everyone within 5 revisions of one of U1's edits.
        *[rev("Q", u, i) for i, u in enumerate(["U1", "U2", "U3", "U4", "U5", "U6", "U7",
                                                "U1"])],
        rev("R", "U1", 100), rev("R", "U2", 101),
        rev("User:U2", "U1", 102, ns=2), rev("User:U2", "U2", 103, ns=2),
        # T: timecards. Monday 00:00 / 00:02 / 01:00 / 12:00 UTC.
        rev("T", "V1", 0), rev("T", "V2", 2), rev("T", "V3", h), rev("T", "V4", 12 * h),
        # Far: U1 and U8 six revisions apart.
        rev("Far", "U8", 200), *[rev("Far", f"F{i}", 201 + i) for i in range(5)],
        rev("Far", "U1", 210),
    ]
    c = make_case(tmp_path_factory.mktemp("sim"), revs)
    reg = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    c = add_table(c, "wiki_accounts", _accounts({
        "U4": {"is_bot": True}, "V1": {"registration": reg},
        "V2": {"registration": reg + dt.timedelta(days=3)}}))
    compute_reverts(c)
    con = prepare(Case.open(c.path))
    tt = compute_tag_teams(con, permutations=10)["wiki_tag_team_pairs"]
    pairs = compute_pair_scores(con, tt)["wiki_similar_pairs"].to_pylist()
    return {(p["a"], p["b"]): p for p in pairs}


def test_coedit_overlap_within_five_revisions(case):
    u12 = case[("U1", "U2")]
    # Q and R in namespaces 0/1/118; the user page counts for the pair score only.
    assert (u12["su_coedit_pages"], u12["coedit_pages"]) == (2, 3)
    # U1 edited Q, R and Far; U2 Q and R.
    assert u12["edit_overlap"] == pytest.approx(2 / 3) and u12["edit_overlap_inv"] == 1.0
    u13 = case[("U1", "U3")]
    assert u13["su_coedit_pages"] == 1
    assert u13["edit_overlap"] == pytest.approx(1 / 3)  # U1 edited Q, R and Far
    assert u13["edit_overlap_inv"] == 1.0
    assert ("U1", "U7") in case  # U7 is 1 revision before U1's second edit
    assert ("U1", "U8") not in case or case[("U1", "U8")]["coedit_pages"] == 0
    assert not any("U4" in k for k in case)  # the bot is neither user nor neighbour


def test_smeared_timecards_and_levels(case):
    same = case[("V1", "V2")]
    assert same["hour_cos"] == pytest.approx(1.0) and same["hour_level"] == "Same"
    near = case[("V1", "V3")]  # hours {23, 0, 1} vs {0, 1, 2}
    assert near["hour_cos"] == pytest.approx(2 / 3) and near["hour_level"] == "Medium"
    far = case[("V1", "V4")]  # midnight vs noon
    assert far["hour_cos"] == 0 and far["hour_level"] == "No overlap"
    # The 00:00 edit smears into Sunday 23h: days (Sun 1, Mon 2) vs (Mon 3).
    assert far["day_cos"] == pytest.approx(6 / (np.sqrt(5) * 3))
    assert far["day_level"] == "High"
    assert [level(x) for x in (1.0, 0.9, 0.6, 0.1, 0.0)] == ["Same", "High", "Medium", "Low",
                                                            "No overlap"]


def test_pair_score_is_the_weighted_evidence(case):
    p = case[("V1", "V2")]
    raw = sum(w * p[f"f_{k}"] for k, w in DEFAULT_WEIGHTS.items())
    assert p["score"] == pytest.approx(raw) and not p["conflict"]
    assert p["f_creation"] == pytest.approx(np.exp(-3 / 30))
    assert "registered 3 day(s) apart" in p["evidence"]
    ranks = sorted(x["rank"] for x in case.values())
    assert ranks == list(range(1, len(case) + 1))


def test_conflict_divides_the_score(tmp_path):
    revs = [rev("P", "A", 0, "a"), rev("P", "B", 1, "b"), rev("P", "A", 2, "a"),
            rev("P", "B", 3, "b")]
    con = prepare(make_case(tmp_path, revs))
    pairs = compute_pair_scores(con)["wiki_similar_pairs"].to_pylist()
    (p,) = pairs
    raw = sum(w * p[f"f_{k}"] for k, w in DEFAULT_WEIGHTS.items())
    assert p["conflict"] and p["reverts_between"] == 2
    assert p["score"] == pytest.approx(0.3 * raw)
    assert "they reverted each other 2 time(s)" in p["evidence"]


def test_offset_inference():
    ref_local = np.round(100 * REFERENCE_DAY)[None, :]  # a typical day, local time
    for shift in (-5, 0, 3, 8, 12, -11):
        utc = np.roll(ref_local, -shift, axis=1)  # local = utc + shift
        assert infer_offsets(utc)[0] == shift


def test_wikisocks_sock_pairs_rank_above_sock_other_pairs(tmp_path):
    path = require_shared("wikipedia", "wikisocks",
                          "Category_Wikipedia_sockpuppets_of_Goat_boy_doyle.csv")
    case = Case.init(tmp_path / "case")
    ingest_wikisocks(case, [path])
    case = Case.open(case.path)
    con = prepare(case)  # detection: the actions only
    tt = compute_tag_teams(con)["wiki_tag_team_pairs"]
    pairs = compute_pair_scores(con, tt)["wiki_similar_pairs"].to_pylist()
    score = {(p["a"], p["b"]): p["score"] for p in pairs}
    labels = case.read("labels").to_pylist()  # evaluation only
    sock = {r["account"] for r in labels if r["label"] == "sock"}
    accounts = sorted({r["account"] for r in labels})
    pos, neg = [], []
    for a, b in itertools.combinations(accounts, 2):
        s = score.get((a, b), 0.0)  # a pair without relational evidence scores 0
        if a in sock and b in sock:
            pos.append(s)
        elif a in sock or b in sock:
            neg.append(s)
    auc = sum((x > y) + 0.5 * (x == y) for x in pos for y in neg) / (len(pos) * len(neg))
    print(f"WikiSocks pair-score ROC AUC: {auc:.3f} ({len(pos)} sock pairs, {len(neg)} "
          "sock/other pairs)")
    assert len(pos) == 3 and auc > 0.5
