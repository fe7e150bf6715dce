"""Peer parity on real data: swarmscope reproduces CooRTweet 2.1.3 and CNT 1.5.2 exactly."""

import csv

import pytest

from conftest import require_shared
from swarmscope import Case, ingest
from swarmscope.signals.detect import detect


@pytest.fixture(scope="module")
def coord_case(tmp_path_factory):
    data = require_shared("coortweet", "russian_coord_tweets.parquet")
    case = Case.init(tmp_path_factory.mktemp("parity") / "case")
    report = ingest(case, [data], format="parquet", platform="twitter",
                    mapping={"account": "account_id", "repost_of": "object_id",
                             "action_id": "content_id", "ts": "timestamp_share"},
                    constants={"kind": "repost"})
    # 40 rows repeat a content_id: they are reported as duplicates, not silently dropped
    assert (report.records, report.added, report.duplicates) == (35_125, 35_085, 40)
    return case


def reference_pairs(name, a, b):
    path = require_shared("coortweet", name)
    with open(path, newline="") as fh:
        return {(min(r[a], r[b]), max(r[a], r[b])): int(r["weight"]) for r in csv.DictReader(fh)}


def edges_of(result):
    return {(r["a"], r["b"]): r["n_objects"] for r in result.edges.to_pylist()}


def test_coortweet_window_60_min_participation_2_edge_weight_05(coord_case):
    result = detect(coord_case, behaviours=["repost"], window=60, mode="coortweet",
                    min_participation=2, edge_weight=0.5, write=False)
    expected = reference_pairs("reference_coortweet_tw60_mp2_ew05_edges.csv", "from", "to")
    assert len(expected) == 60
    assert edges_of(result) == expected
    assert len(result.flagged) == 94
    assert result.counts["clusters"] == 34


@pytest.mark.parametrize("window, edge_weight, n_edges, n_accounts",
                         [(10, 0.5, 4, 8), (60, 0.99, 9, 14), (600, 0.99, 215, 233)])
def test_coortweet_other_published_settings(coord_case, window, edge_weight, n_edges, n_accounts):
    result = detect(coord_case, behaviours=["repost"], window=window, mode="coortweet",
                    edge_weight=edge_weight, write=False)
    assert result.edges.num_rows == n_edges
    assert len(result.flagged) == n_accounts


def test_cnt_co_retweet_window_60_min_edge_weight_2(coord_case):
    result = detect(coord_case, behaviours=["repost"], window=60, mode="cnt", min_edge_weight=2,
                    write=False)
    expected = reference_pairs("reference_cnt_tw60_mew2_edges.csv", "user_1", "user_2")
    assert len(expected) == 63
    assert edges_of(result) == expected
    assert len(result.flagged) == 97
    # CooRTweet's 60 edges are a subset of CNT's 63
    coortweet = detect(coord_case, behaviours=["repost"], window=60, mode="coortweet",
                       write=False)
    assert set(edges_of(coortweet)) <= set(expected)


def test_significance_mode_finds_a_subset_of_the_peers_edges_with_evidence(coord_case):
    result = detect(coord_case, behaviours=["repost"], window=60)
    sig = result.edges.filter(result.edges.column("significant")).to_pylist()
    assert sig, "some pairs co-retweet far more than their activity explains"
    cnt = reference_pairs("reference_cnt_tw60_mew2_edges.csv", "user_1", "user_2")
    assert all((e["a"], e["b"]) in cnt for e in sig)
    for e in sig:
        assert e["q_value"] <= 0.01 and e["n_objects"] > e["expected"]
    assert (coord_case.path / "results" / "edges.parquet").exists()
    assert (coord_case.path / "results" / "network.gexf").exists()


def test_peer_network_gives_cnt_directed_edges_as_the_toolkit_writes_them(coord_case):
    from swarmscope.signals.parity import peer_network

    path = require_shared("coortweet", "reference_cnt_tw60_mew2_edges.csv")
    with open(path, newline="") as fh:
        expected = {(r["user_1"], r["user_2"]): int(r["weight"]) for r in csv.DictReader(fh)}
    edges = peer_network(coord_case, "cnt", "repost", window=60, min_edge_weight=2)
    assert edges.column_names == ["behaviour", "user_1", "user_2", "weight"]
    assert {(r["user_1"], r["user_2"]): r["weight"] for r in edges.to_pylist()} == expected


def test_cnt_mode_publishes_the_toolkits_directed_table_until_another_mode_runs(coord_case):
    detect(coord_case, behaviours=["repost"], window=60, mode="cnt", min_edge_weight=2)
    results = coord_case.path / "results"
    with open(results / "peer_edges.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 95  # the 63 pairs, 32 of them reaching weight 2 in both directions
    assert set(rows[0]) == {"behaviour", "user_1", "user_2", "weight"}
    detect(coord_case, behaviours=["repost"], window=60)
    assert not (results / "peer_edges.csv").exists()
    assert "peer_edges.parquet" not in coord_case.results()
