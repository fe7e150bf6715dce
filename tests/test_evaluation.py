"""``swarmscope evaluate``: every number checked against a hand computation on tiny cases."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from swarmscope import Case, UsageError
from swarmscope.cli import cli
from swarmscope.evaluation import evaluate, evaluate_tables
from swarmscope.evaluation import metrics as m

# ----------------------------------------------------------------------------- the tiny case
# Evaluated accounts in score order (ties broken by name):
#   a 9 (pos, flagged, cluster 1)   b 8 (pos, flagged, 1)   c 7 (neg, flagged, 1)
#   d 5 (pos, -, 2)   e 5 (neg, -, -)   f 0 (neg, -, -)   g 0 (pos, -, 2)
# u (flagged) has no row in the labels and v an empty label: unlabelled, not negatives.
# m (positive) and n (negative) are labelled but absent from the results: missing.
RESULTS = [
    ("a", 9.0, True, 1), ("b", 8.0, True, 1), ("c", 7.0, True, 1), ("d", 5.0, False, 2),
    ("e", 5.0, False, None), ("f", 0.0, False, None), ("g", 0.0, False, 2),
    ("u", 6.0, True, 3), ("v", 0.0, False, None),
]
LABELS = [
    ("a", "1", "opA"), ("b", "1", "opA"), ("c", "0", ""), ("d", "1", "opB"), ("e", "0", ""),
    ("f", "0", ""), ("g", "1", "opB"), ("v", "", ""), ("m", "1", "opA"), ("n", "0", ""),
]


def write_results(case: Case, rows) -> None:
    tbl = pa.table({
        "account": pa.array([r[0] for r in rows], pa.string()),
        "n_actions": pa.array([3] * len(rows), pa.int64()),
        "score": pa.array([r[1] for r in rows], pa.float64()),
        "flagged": pa.array([r[2] for r in rows], pa.bool_()),
        "cluster": pa.array([r[3] for r in rows], pa.int64()),
    })
    with case.transaction() as txn:
        p = txn.stage_path("accounts.parquet")
        pq.write_table(tbl, p)
        txn.add_result("accounts.parquet", p)


def write_labels(path: Path, rows, header=("account", "label", "operation")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def tiny(case, tmp_path):
    write_results(case, RESULTS)
    return case, write_labels(tmp_path / "labels.csv", LABELS)


def test_counts_unlabelled_and_missing_accounts_separately(tiny):
    case, labels = tiny
    r = evaluate(case, labels)
    assert r.results_accounts == 9
    assert r.labelled_accounts == 9  # v has an empty label
    assert (r.evaluated, r.positives, r.negatives) == (7, 4, 3)
    assert r.base_rate == pytest.approx(4 / 7)
    # u and v are reported, and u's flag is not a false positive
    assert (r.unlabelled, r.unlabelled_flagged) == (2, 1)
    assert (r.missing, r.missing_positives) == (2, 1)


def test_precision_recall_f1_at_the_flagged_threshold(tiny):
    r = evaluate(*tiny)
    assert (r.tp, r.fp, r.fn, r.tn) == (2, 1, 2, 2)
    assert r.precision == pytest.approx(2 / 3)
    assert r.recall == pytest.approx(2 / 4)
    assert r.f1 == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert r.false_positive_rate == pytest.approx(1 / 3)
    assert r.flagged == 3


def test_pr_auc_and_roc_auc_by_hand(tiny):
    r = evaluate(*tiny)
    # PR: thresholds 9, 8, 7, 5 (d, e together), 0 (f, g together); recall steps of 1/4 at
    # precision 1/1, 2/2, -, 3/5, 4/7.
    assert r.pr_auc == pytest.approx((1 + 1 + 3 / 5 + 4 / 7) / 4)
    # ROC: 4 x 3 (positive, negative) pairs; a and b beat all 3 negatives, d beats f and ties
    # e, g ties f.
    assert r.roc_auc == pytest.approx((3 + 3 + 1.5 + 0.5) / 12)


def test_precision_at_k_uses_score_order_with_names_breaking_ties(tiny):
    case, labels = tiny
    r = evaluate(case, labels, k=(1, 3, 5, 8))
    assert r.precision_at_k[1] == 1.0
    assert r.precision_at_k[3] == pytest.approx(2 / 3)
    assert r.precision_at_k[5] == pytest.approx(3 / 5)  # a b c d e
    assert math.isnan(r.precision_at_k[8])  # only 7 evaluated accounts
    assert r.r_precision == pytest.approx(3 / 4)  # k = 4 positives: a b c d


def test_cluster_agreement_by_hand(tiny):
    r = evaluate(*tiny)
    # Clustered evaluated accounts: a b c in cluster 1, d g in cluster 2; classes opA opA
    # "label 0" opB opB.
    c = r.clusters
    assert (c.accounts, c.clusters, c.classes) == (5, 2, 3)
    assert c.purity == pytest.approx(4 / 5)
    # pairs together in both: (a,b), (d,g) = 2; in clusters: 3 + 1 = 4; in classes: 1 + 1 = 2
    expected = 4 * 2 / 10
    assert c.ari == pytest.approx((2 - expected) / ((4 + 2) / 2 - expected))
    h_cl = -(0.6 * math.log(0.6) + 0.4 * math.log(0.4))
    h_gr = -(2 * 0.4 * math.log(0.4) + 0.2 * math.log(0.2))
    mi = h_gr - 0.6 * -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert c.nmi == pytest.approx(mi / ((h_cl + h_gr) / 2))


def test_per_group_results(tiny):
    r = evaluate(*tiny)
    groups = {g.group: g for g in r.groups}
    assert set(groups) == {"opA", "opB"}
    a, b = groups["opA"], groups["opB"]
    assert (a.label, a.accounts, a.evaluated, a.flagged, a.flagged_share) == (1, 3, 2, 2, 1.0)
    assert (a.clusters, a.main_cluster, a.main_cluster_share) == (1, 1, 1.0)
    assert (b.accounts, b.evaluated, b.flagged, b.flagged_share) == (2, 2, 0, 0.0)
    assert (b.main_cluster, b.main_cluster_share) == (2, 1.0)


def test_missing_accounts_can_count_as_not_flagged(tiny):
    r = evaluate(*tiny, missing="unflagged")
    assert (r.evaluated, r.positives) == (9, 5)
    assert (r.tp, r.fp, r.fn, r.tn) == (2, 1, 3, 3)
    assert r.recall == pytest.approx(2 / 5)


def test_bootstrap_intervals_are_determined_by_the_seed(tiny):
    case, labels = tiny
    one = evaluate(case, labels, n_bootstrap=300, seed=11)
    two = evaluate(case, labels, n_bootstrap=300, seed=11)
    other = evaluate(case, labels, n_bootstrap=300, seed=12)
    assert one.ci == two.ci
    assert one.ci != other.ci
    assert set(one.ci) == {"precision", "recall", "f1", "pr_auc", "roc_auc"}
    for name in one.ci:
        lo, hi = one.ci[name]
        assert 0.0 <= lo <= hi <= 1.0
    # stratified: every replicate keeps 4 positives, so recall moves in steps of 1/4
    assert {one.ci["recall"][0] * 4, one.ci["recall"][1] * 4} <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert evaluate(case, labels, n_bootstrap=0).ci == {}


def test_cli_prints_the_report_and_json(tiny):
    case, labels = tiny
    runner = CliRunner()
    res = runner.invoke(cli, ["evaluate", str(case.path), "--labels", str(labels), "-k", "3"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "0.667" in out and "0.500" in out  # precision, recall
    assert "2 accounts in the results have no label" in out
    assert "2 labelled accounts are not in the results" in out
    res = runner.invoke(cli, ["evaluate", str(case.path), "--labels", str(labels), "--json",
                              "--seed", "5", "--bootstrap", "200"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["pr_auc"] == pytest.approx((1 + 1 + 3 / 5 + 4 / 7) / 4)
    assert data["unlabelled"] == 2 and data["missing"] == 2
    assert data["bootstrap"]["seed"] == 5
    assert data["clusters"]["purity"] == pytest.approx(0.8)
    assert data["precision_at_k"]["10"] is None  # NaN becomes null


def test_parquet_labels_with_boolean_labels_and_other_column_names(case, tmp_path):
    write_results(case, RESULTS)
    labels = tmp_path / "truth.parquet"
    pq.write_table(pa.table({
        "user": ["a", "b", "c", "d", "e", "f", "g"],
        "coordinated": [True, True, False, True, False, False, True],
        "campaign": ["x", "x", None, "y", None, None, "y"],
    }), labels)
    r = evaluate(case, labels, label_column="coordinated", group_column="campaign",
                 account_column="user")
    assert (r.tp, r.fp, r.fn, r.tn) == (2, 1, 2, 2)
    assert [g.group for g in r.groups] == ["x", "y"]


def test_without_group_column_clusters_are_compared_with_labels(case, tmp_path):
    write_results(case, RESULTS)
    labels = write_labels(tmp_path / "l.csv", [r[:2] for r in LABELS], ("account", "label"))
    r = evaluate(case, labels)
    assert r.groups == [] and r.group_column is None
    assert any("no 'operation' column" in n for n in r.notes)
    assert r.clusters.classes == 2  # label 1, label 0
    # an explicitly requested group column must exist
    res = CliRunner().invoke(cli, ["evaluate", str(case.path), "--labels", str(labels),
                                   "--group-column", "team"])
    assert res.exit_code == 1 and "no column 'team'" in res.output


def test_results_without_score_still_give_precision_and_recall():
    results = pa.table({"account": ["a", "b", "c"], "flagged": [True, False, True]})
    labels = pa.table({"account": ["a", "b", "c"], "label": [1, 1, 0]})
    r = evaluate_tables(results, labels)
    assert (r.precision, r.recall) == (0.5, 0.5)
    assert r.pr_auc is None and r.roc_auc is None and r.precision_at_k == {}
    assert r.clusters is None


def test_bad_inputs_give_clear_errors(case, tmp_path):
    with pytest.raises(UsageError, match="swarmscope detect"):
        evaluate(case, write_labels(tmp_path / "l.csv", LABELS))
    write_results(case, RESULTS)
    bad = write_labels(tmp_path / "bad.csv", [("a", "maybe", ""), ("b", "1", "")])
    with pytest.raises(UsageError, match="not 0/1.*'maybe'"):
        evaluate(case, bad)
    conflict = write_labels(tmp_path / "c.csv", [("a", "1", ""), ("a", "0", "")])
    with pytest.raises(UsageError, match="both labels"):
        evaluate(case, conflict)
    with pytest.raises(UsageError, match="no column 'label'"):
        evaluate(case, write_labels(tmp_path / "x.csv", [("a", "1")], ("account", "y")))


def test_hostile_names_are_escaped_in_the_terminal(case, tmp_path):
    evil = "\x1b[2J[bold]evil[/bold]"
    write_results(case, [(evil, 5.0, True, 1), ("b", 0.0, False, None)])
    labels = write_labels(tmp_path / "l.csv", [(evil, "1", evil + "-op"), ("b", "0", "")])
    res = CliRunner().invoke(cli, ["evaluate", str(case.path), "--labels", str(labels)])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output
    assert "\\x1b" in res.output


def test_end_to_end_on_a_detected_case(case, tmp_path):
    """detect's own results table is what evaluate reads."""
    from swarmscope import ingest
    from swarmscope.signals.detect import detect

    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = []
    ring = [f"ring{i}" for i in range(4)]
    for k in range(12):  # the ring reposts 12 objects within seconds of each other
        for j, a in enumerate(ring):
            rows.append((a, f"o{k}", t0 + dt.timedelta(hours=5 * k, seconds=3 * j)))
    rng = np.random.default_rng(1)
    for i in range(40):  # organic accounts repost the same objects at random times
        for k in rng.choice(12, 3, replace=False):
            rows.append((f"org{i}", f"o{k}", t0 + dt.timedelta(seconds=int(rng.integers(0, 60 * 86400)))))
    src = tmp_path / "actions.parquet"
    pq.write_table(pa.table({
        "action_id": [str(i) for i in range(len(rows))], "account": [r[0] for r in rows],
        "ts": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
        "kind": ["repost"] * len(rows), "repost_of": [r[1] for r in rows],
    }), src)
    ingest(case, [src], format="parquet")
    detect(case, behaviours=["repost"])
    labels = write_labels(tmp_path / "l.csv", [(a, "1", "ring") for a in ring]
                          + [(f"org{i}", "0", "") for i in range(40)])
    r = evaluate(case, labels)
    assert (r.evaluated, r.positives) == (44, 4)
    assert r.recall == 1.0 and r.precision == 1.0
    assert r.roc_auc == 1.0 and r.pr_auc == 1.0
    assert r.groups[0].main_cluster_share == 1.0


# ----------------------------------------------------------------------------- metrics alone
def test_metrics_on_hand_checkable_examples():
    y = [1, 0, 1, 0]
    s = [0.9, 0.8, 0.7, 0.1]
    assert m.average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
    assert m.roc_auc(y, s) == pytest.approx(3 / 4)
    # all tied: AP is the base rate, AUC one half
    assert m.average_precision(y, [1, 1, 1, 1]) == pytest.approx(0.5)
    assert m.roc_auc(y, [1, 1, 1, 1]) == pytest.approx(0.5)
    assert math.isnan(m.roc_auc([1, 1], [0.3, 0.2]))  # no negatives
    assert math.isnan(m.average_precision([0, 0], [0.3, 0.2]))  # no positives
    c = m.confusion([1, 1, 0, 0], [False, False, False, False])
    assert math.isnan(c.precision) and c.recall == 0.0 and c.f1 == 0.0


def test_partition_agreement_on_a_hand_checkable_partition():
    clusters = [1, 1, 2, 2]
    groups = ["a", "a", "a", "b"]
    # together-pairs: both 1, clusters 2, groups 3, of C(4,2) = 6: expected 2*3/6 = 1 = index
    assert m.adjusted_rand_index(clusters, groups) == pytest.approx(0.0)
    h_c = math.log(2)
    h_g = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    mi = h_g - 0.5 * math.log(2)
    assert m.normalized_mutual_info(clusters, groups) == pytest.approx(mi / ((h_c + h_g) / 2))
    assert m.purity(clusters, groups) == pytest.approx(3 / 4)
    # renaming does not matter; identical partitions agree perfectly
    assert m.adjusted_rand_index([7, 7, 3, 3], ["x", "x", "y", "y"]) == 1.0
    assert m.normalized_mutual_info([7, 7, 3, 3], ["x", "x", "y", "y"]) == pytest.approx(1.0)
    assert m.adjusted_rand_index(["k"] * 3, ["g"] * 3) == 1.0
    assert m.normalized_mutual_info([1, 2, 3], ["g"] * 3) == 0.0


def test_ranking_metrics_match_independent_definitions_on_random_ties():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(5, 60))
        y = rng.integers(0, 2, n)
        if y.min() == y.max():
            continue
        s = rng.integers(0, 6, n).astype(float)  # many ties
        u = mannwhitneyu(s[y == 1], s[y == 0]).statistic
        assert m.roc_auc(y, s) == pytest.approx(u / (y.sum() * (n - y.sum())))
        ap = 0.0
        for t in sorted(set(s), reverse=True):  # step sum over distinct thresholds
            sel = s >= t
            prec = y[sel].mean()
            ap += prec * (y[s == t].sum() / y.sum())
        assert m.average_precision(y, s) == pytest.approx(ap)


def test_precision_at_recall_reads_the_best_threshold():
    y = [1, 1, 0, 1, 0, 0, 1]
    s = [9, 8, 7, 5, 5, 0, 0]
    # recall >= 0.5 first reached at score 8 (2/2); >= 0.75 at 5 (3/5); 1.0 at 0 (4/7)
    assert m.precision_at_recall(y, s, 0.5) == 1.0
    assert m.precision_at_recall(y, s, 0.75) == pytest.approx(3 / 5)
    assert m.precision_at_recall(y, s, 1.0) == pytest.approx(4 / 7)


def test_vectorised_bootstrap_equals_resampling_one_replicate_at_a_time():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 40).astype(bool)
    s = rng.integers(0, 8, 40).astype(float)  # ties
    f = s >= 5
    n = 200
    got = m.bootstrap(y, f, s, n=n, seed=9)
    # the same draws, replicate by replicate: positives then negatives, in score order
    r = m._Ranking(y, s)
    pos, neg = np.flatnonzero(r.y), np.flatnonzero(~r.y)
    ys, ss, fs = r.y, s[r.order], f[r.order]
    draws = np.random.default_rng(9)
    dp = pos[draws.integers(0, pos.size, size=(n, pos.size))]
    dn = neg[draws.integers(0, neg.size, size=(n, neg.size))]
    vals = {k: [] for k in m.BOOTSTRAP_METRICS}
    for i in range(n):
        idx = np.concatenate([dp[i], dn[i]])
        c = m.confusion(ys[idx], fs[idx])
        vals["precision"].append(c.precision)
        vals["recall"].append(c.recall)
        vals["f1"].append(c.f1)
        vals["pr_auc"].append(m.average_precision(ys[idx], ss[idx]))
        vals["roc_auc"].append(m.roc_auc(ys[idx], ss[idx]))
    for k, v in vals.items():
        v = np.array(v)
        v = v[np.isfinite(v)]
        assert got[k] == pytest.approx((np.percentile(v, 2.5), np.percentile(v, 97.5)))
