"""Cited-source changes and single-purpose accounts on hand-made histories."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow as pa
import pytest

from conftest import require_shared
from swarmscope import Case
from swarmscope.wiki.collect import ACCOUNTS_SCHEMA
from swarmscope.wiki.forensics._base import prepare
from swarmscope.wiki.forensics.single_purpose import compute_single_purpose
from swarmscope.wiki.forensics.sources import compute_sources
from swarmscope.wiki.reverts import compute_reverts
from wikihist import T0, add_table, make_case, rev

GOOD = "https://good.example.org/a"
BAD = "https://www.bad.example.com/x"
BAD2 = "https://bad.example.com/y"
OTHER = "https://other.example.net/z"


@pytest.fixture(scope="module")
def sources_case(tmp_path_factory):
    revs = []
    for i, page in enumerate(["P1", "P2", "P3"]):
        t = 100 * i
        revs += [
            rev(page, "Writer", t, f"{page} v1", urls=[GOOD, BAD]),
            rev(page, "Writer", t + 1, f"{page} v2", urls=[GOOD, BAD, BAD2, OTHER]),
            rev(page, "R1" if i % 2 == 0 else "R2", t + 2, f"{page} v3", urls=[GOOD, OTHER]),
            rev(page, "Writer", t + 3, f"{page} v2", urls=[GOOD, BAD, BAD2, OTHER]),  # undo
            rev(page, "R2" if i % 2 == 0 else "R1", t + 4, f"{page} v3", urls=[GOOD, OTHER]),
        ]
    # Q: no text known for the parent: the change is unknown, not "removed".
    revs += [rev("Q", "Writer", 400, "q1"), rev("Q", "R1", 401, "q2", urls=[GOOD])]
    # L: URLs without the has_text flag (a source that lists citations only).
    revs += [rev("L", "Writer", 500, "l1", urls=[OTHER, BAD]),
             rev("L", "Other", 501, "l2", urls=[OTHER])]
    # V1-V3: a vandal blanks the citations (the rest of the case's removals).
    for i in range(3):
        revs += [rev(f"V{i}", "Writer", 600 + 10 * i, f"v{i}", urls=[GOOD, OTHER]),
                 rev(f"V{i}", "Vandal", 601 + 10 * i, "", urls=[])]
    return make_case(tmp_path_factory.mktemp("src"), revs)


def _groups(members):
    return pa.table({"platform": ["wikipedia"] * len(members),
                     "group_id": [1] * len(members), "source": ["test"] * len(members),
                     "account": members})


def test_removals_and_additions_per_account(sources_case):
    out = compute_sources(prepare(sources_case), _groups(["R1", "R2"]))
    ch = {(r["account"], r["domain"]): r for r in out["wiki_source_changes"].to_pylist()}
    r1 = ch[("R1", "bad.example.com")]
    # R1 removed bad.example.com on P1 (first), P2 (second) and P3 (first): 3 removals.
    assert (r1["removals"], r1["pages_removed"]) == (3, 3)
    assert r1["removals_reverted"] == 2  # the first removals were undone by Writer
    assert r1["removals_by_revert"] == 1  # its second removal on P2 restored v3
    w = ch[("Writer", "bad.example.com")]
    assert w["additions"] >= 3 and w["removals"] == 0
    assert ("R1", "good.example.org") not in ch  # Q: unknown parent text
    assert ch[("Other", "bad.example.com")]["removals"] == 1  # L: from cited URLs
    # The www. form and the bare host are one domain.
    assert ("R1", "www.bad.example.com") not in ch
    dom = {r["domain"]: r for r in out["wiki_source_domains"].to_pylist()}
    assert dom["bad.example.com"]["removals"] == 7 and dom["bad.example.com"]["removers"] == 3
    assert dom["bad.example.com"]["top2_removal_share"] == pytest.approx(6 / 7)


def test_group_removing_the_same_domain_is_flagged(sources_case):
    out = compute_sources(prepare(sources_case), _groups(["R1", "R2"]))
    rings = {(r["change"], r["domain"]): r for r in out["wiki_source_rings"].to_pylist()}
    bad = rings[("removed", "bad.example.com")]
    assert (bad["events"], bad["members_involved"], bad["pages"]) == (6, 2, 3)
    assert (bad["other_events"], bad["other_events_total"]) == (1, 7)
    assert bad["baseline_share"] == pytest.approx((1 + 1) / (7 + 3))  # add-one, 3 domains
    assert bad["p_value"] < 1e-3 and bad["flagged"]
    assert bad["removed_baseline_share"] > 0.5  # a long-standing citation


@pytest.fixture(scope="module")
def spa_case(tmp_path_factory):
    day = 24 * 60
    revs = [
        *[rev("Topic", "Spa", i * 10) for i in range(6)],
        rev("Talk:Topic", "Spa", 70, ns=1),
        *[rev(f"Page {i}", "Broad", i * 10) for i in range(8)],
        rev("Topic", "Master", -30 * day),
        # After 40 days of silence, two days after Master's block.
        rev("Topic", "Sleeper", -60 * day), *[rev("Topic", "Sleeper", 12 * day + i)
                                              for i in range(5)],
    ]
    case = make_case(tmp_path_factory.mktemp("spa"), revs)
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    names = ["Spa", "Master", "Sleeper"]
    cols = {f.name: pa.nulls(3, f.type) for f in ACCOUNTS_SCHEMA}
    cols.update({
        "platform": pa.array(["wikipedia"] * 3), "name": pa.array(names),
        "registration": pa.array([T0 - dt.timedelta(days=100), None, None],
                                 pa.timestamp("us", tz="UTC")),
        "editcount": pa.array([14, None, None], pa.int64()),
        "block_timestamp": pa.array([None, T0 + dt.timedelta(days=10), None],
                                    pa.timestamp("us", tz="UTC")),
        "blocked": pa.array([False, True, False]),
        "fetched_at": pa.array([now] * 3, pa.timestamp("us", tz="UTC")),
    })
    case = add_table(case, "wiki_accounts", pa.table(cols, schema=ACCOUNTS_SCHEMA))
    compute_reverts(case)
    t = compute_single_purpose(prepare(Case.open(case.path)))["wiki_single_purpose"]
    return {r["account"]: r for r in t.to_pylist()}


def test_concentration_on_one_topic(spa_case):
    spa = spa_case["Spa"]
    assert (spa["edits"], spa["pages"], spa["topics"]) == (7, 2, 1)  # article + talk
    assert spa["top_page"] == "Topic" and spa["top_page_share"] == pytest.approx(6 / 7)
    assert spa["top_topic_share"] == 1.0 and spa["topic_entropy_bits"] == 0
    assert spa["single_purpose"]
    broad = spa_case["Broad"]
    assert broad["topics"] == 8 and not broad["single_purpose"]
    assert broad["topic_entropy_bits"] == pytest.approx(3.0)
    assert broad["topic_entropy_norm"] == pytest.approx(1.0)


def test_sleeper_gap_and_start_after_block(spa_case):
    spa = spa_case["Spa"]
    assert spa["sleeper_days"] == pytest.approx(100.0)
    assert spa["case_share_of_editcount"] == pytest.approx(7 / 14)
    sleeper = spa_case["Sleeper"]
    assert sleeper["starts_after_block_of"] == ["Master"]
    assert sleeper["days_after_block"] == pytest.approx(2.0)
    assert spa_case["Spa"]["starts_after_block_of"] is None
    assert spa_case["Master"]["sleeper_days"] is None  # no registration known


def test_children_of_real_ban_evasion_pairs_start_after_the_parents_block(tmp_path):
    """Timings of the 9 ban-evasion pairs of Niverthi et al. (2022): each parent edits a page
    a day before its block, the child edits it at its creation. The child is linked to the
    parent when it starts within the window after the block (3 of 9 within 14 days)."""
    path = require_shared("wikipedia", "ban_evasion_pairs_meta.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))

    def ts(s: str) -> dt.datetime:
        return dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC)

    revs, accounts = [], {}
    for i, p in enumerate(pairs):
        parent, child = p["parent-username"], p["child-username"]
        block, created = ts(p["parent-block-time"]), ts(p["child-creation-time"])
        revs.append(rev(f"Topic {i}", parent, (block - T0).total_seconds() / 60 - 1440))
        revs.append(rev(f"Topic {i}", child, (created - T0).total_seconds() / 60))
        accounts[parent] = (ts(p["parent-creation-time"]), block)
        accounts[child] = (created, None)
    case = make_case(tmp_path, revs)
    names = list(accounts)
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    cols = {f.name: pa.nulls(len(names), f.type) for f in ACCOUNTS_SCHEMA}
    cols.update({
        "platform": pa.array(["wikipedia"] * len(names)), "name": pa.array(names),
        "registration": pa.array([accounts[n][0] for n in names], pa.timestamp("us", tz="UTC")),
        "block_timestamp": pa.array([accounts[n][1] for n in names],
                                    pa.timestamp("us", tz="UTC")),
        "fetched_at": pa.array([now] * len(names), pa.timestamp("us", tz="UTC")),
    })
    case = add_table(case, "wiki_accounts", pa.table(cols, schema=ACCOUNTS_SCHEMA))
    compute_reverts(case)
    con = prepare(Case.open(case.path))
    gaps = [(ts(p["child-creation-time"]) - ts(p["parent-block-time"])).total_seconds() / 86400
            for p in pairs]
    for window, expected in ((14, sum(0 <= g <= 14 for g in gaps)), (3000, len(pairs))):
        t = compute_single_purpose(con, block_window_days=window)["wiki_single_purpose"]
        by = {r["account"]: r for r in t.to_pylist()}
        linked = [p for p in pairs
                  if by[p["child-username"]]["starts_after_block_of"] == [p["parent-username"]]]
        assert len(linked) == expected
        for p in pairs:
            assert by[p["child-username"]]["sleeper_days"] == pytest.approx(0, abs=1e-6)
    assert sum(0 <= g <= 14 for g in gaps) == 3
