"""The synthetic wiki's planted tag-team ring against the anti-vandalism bot and patrollers.

The generator's labels (labels/accounts.csv, operations.json) are read only to score what
detection found; detection reads the case.
"""

from __future__ import annotations

import csv

import orjson
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from swarmscope import Case
from swarmscope.ingest import ingest
from swarmscope.synthetic import Scenario, generate
from swarmscope.wiki.forensics.demo import run as demo_run
from swarmscope.wiki.forensics.report import run_report


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synthwiki")
    gen = generate(tmp / "gen", scale=0.1, seed=7, scenario=Scenario(scale_operations=False))
    actions = pq.read_table(gen.actions_path)
    wiki = actions.filter(pc.equal(actions.column("platform"), "synthwiki"))
    pq.write_table(wiki, tmp / "wiki.parquet")
    case = Case.init(tmp / "case")
    ingest(case, [tmp / "wiki.parquet"], format="parquet")
    with open(gen.labels_dir / "accounts.csv", newline="", encoding="utf-8") as fh:
        roles = {r["account"]: r["role"] for r in csv.DictReader(fh)
                 if r["platform"] == "synthwiki"}
    truth = orjson.loads((gen.labels_dir / "operations.json").read_bytes())
    tagteam = next(op for op in truth["operations"] if op["type"] == "wiki_tag_team")
    # The report computes wiki_revisions itself (the demo stage does too).
    report = run_report(Case.open(case.path))
    return report, roles, tagteam, Case.open(case.path)


def _ring(roles):
    return {a for a, r in roles.items() if r.startswith("tag_team")}


def _patrol(roles):
    return {a for a, r in roles.items() if r in ("anti_vandal_bot", "patroller")}


def test_tag_team_found_and_patrol_not_flagged(synth):
    report, roles, _, _ = synth
    ring, patrol = _ring(roles), _patrol(roles)
    teams = [t for t in report.tables["wiki_tag_teams"].to_pylist() if t["flagged"]]
    assert teams, "the planted tag team was not found"
    best = teams[0]
    assert set(best["members"]) <= ring and len(best["members"]) >= 3
    assert best["internal_reverts"] == 0 and best["n_pages"] >= 3
    for t in teams:
        assert not set(t["members"]) & patrol
    # Patrol reverts many vandals on many pages, yet no patrol pair beats the null.
    for p in report.tables["wiki_tag_team_pairs"].to_pylist():
        if p["a"] in patrol or p["b"] in patrol:
            assert not p["significant"]
    acc = {r["account"]: r for r in report.tables["wiki_revert_accounts"].to_pylist()}
    bot = next(a for a, r in roles.items() if r == "anti_vandal_bot")
    assert acc[bot]["reverts_made"] > max(acc[m]["reverts_made"] for m in best["members"])


def test_ring_pairs_rank_at_the_top_of_the_pair_score(synth):
    report, roles, _, _ = synth
    ring, patrol = _ring(roles), _patrol(roles)
    pairs = report.tables["wiki_similar_pairs"].to_pylist()
    top = pairs[:3]
    assert all(p["a"] in ring and p["b"] in ring for p in top), [(p["a"], p["b"]) for p in top]
    assert all(not p["conflict"] for p in top)
    assert not any(p["a"] in patrol or p["b"] in patrol for p in pairs[:10])
    ranks = sorted(p["rank"] for p in pairs if p["a"] in ring and p["b"] in ring)
    print("ring pair ranks:", ranks[:10], "of", len(pairs))
    assert "revert partners" in top[0]["evidence"]


def test_ring_removes_the_target_domains(synth):
    report, _, tagteam, _ = synth
    targets = set(tagteam["parameters"]["target_domains"])
    rings = [r for r in report.tables["wiki_source_rings"].to_pylist() if r["flagged"]]
    flagged_domains = {r["domain"] for r in rings
                       if r["source"] == "tag_team" and r["change"] == "removed"}
    assert flagged_domains == targets
    by_domain = {r["domain"]: r for r in report.tables["wiki_source_domains"].to_pylist()}
    for d in targets:
        assert by_domain[d]["removals"] >= 10 and by_domain[d]["removals_reverted"] > 0


def test_single_purpose_members(synth):
    report, roles, tagteam, _ = synth
    spa = report.tables["wiki_single_purpose"].to_pylist()
    by = {r["account"]: r for r in spa}
    for m in tagteam["single_purpose"]:
        r = by[m]
        assert r["topics"] <= 2 and r["top_k_topic_share"] == 1.0
        assert r["single_purpose"] == (r["edits"] >= 5)


def test_results_published_and_demo_stage(synth):
    report, _, _, case = synth
    results = Case.open(case.path).results()
    for name in ("wiki_page_stats", "wiki_interactions", "wiki_revert_network",
                 "wiki_tag_teams", "wiki_source_changes", "wiki_single_purpose",
                 "wiki_similar_pairs"):
        assert f"{name}.parquet" in results
    record = orjson.loads(results["wiki_forensics.json"].read_bytes())
    assert record["counts"]["tag_teams_flagged"] >= 1 and len(record["files"]) == 15
    # Interactions default to the flagged teams and the best pairs.
    assert report.counts["interaction_pages"] > 0
    out = demo_run(Case.open(case.path))
    assert out["tag_teams"] and out["wiki_tag_teams"].exists()
