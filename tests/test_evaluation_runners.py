"""Signal runners of the accuracy benchmark: per-behaviour parts and results tables."""

from __future__ import annotations

import math

import pyarrow as pa

from swarmscope.evaluation import evaluate_tables
from swarmscope.evaluation.runners import (
    RUNNERS,
    SignalOutput,
    behaviour_parts,
    register,
    runners,
)


def test_behaviour_parts_use_the_combined_bonferroni_factor():
    edges = pa.table({
        "behaviour": ["repost", "repost", "text", "text"],
        "a": ["x", "x", "x", "p"],
        "b": ["y", "z", "y", "q"],
        "q_value": [0.001, 0.2, 0.002, 0.003],
    })
    partners = pa.table({"behaviour": ["repost"], "account": ["w"], "q_partners": [0.0005]})
    parts = behaviour_parts(edges, {"behaviours": ["repost", "text"], "alpha": 0.01}, partners)
    # two account-level tests x 2 behaviours = factor 4
    # repost: x and y at q 0.001 * 4 = 0.004 <= 0.01; z at 0.8; w by its partner test (0.002)
    assert parts["repost"].flagged == {"w", "x", "y"}
    assert math.isclose(parts["repost"].scores["z"], -math.log10(0.8))
    # text: x, y at 0.008 flagged; p, q at 0.012 not
    assert parts["text"].flagged == {"x", "y"}
    assert math.isclose(parts["text"].scores["p"], -math.log10(0.012))


def test_results_table_covers_every_account_of_the_case():
    out = SignalOutput(flagged={"a"}, scores={"a": 5.0, "b": 1.0}, clusters={"a": 1})
    tbl = out.results_table(["a", "b", "c"])
    assert tbl.to_pylist() == [
        {"account": "a", "flagged": True, "score": 5.0, "cluster": 1},
        {"account": "b", "flagged": False, "score": 1.0, "cluster": None},
        {"account": "c", "flagged": False, "score": 0.0, "cluster": None},
    ]
    rep = evaluate_tables(tbl, pa.table({"account": ["a", "b", "c"], "label": [1, 0, 1]}),
                          n_bootstrap=0)
    assert (rep.tp, rep.fp, rep.fn, rep.tn) == (1, 0, 1, 1)


def test_registry_adds_columns_without_touching_the_builtin():
    assert "coaction" in runners()
    try:
        register("dummy", lambda case: SignalOutput(flagged=set()), "test", targets=("x",))
        assert runners()["dummy"].targets == ("x",)
        assert "coaction" in runners()
    finally:
        RUNNERS.pop("dummy", None)


def test_temporal_and_wiki_runners_find_their_planted_operations(tmp_path):
    """Each registered runner, on a generated case, flags members of the operations it targets
    and no organic account (the personas and the wiki tag team are planted by default)."""
    import csv

    from swarmscope import Case, ingest
    from swarmscope.synthetic import Scenario, generate

    gen = generate(tmp_path / "gen", scale=0.05, seed=7, scenario=Scenario(scale_operations=False))
    case = Case.init(tmp_path / "case")
    ingest(case, [gen.actions_path], format="parquet")
    with open(gen.labels_dir / "accounts.csv", newline="") as fh:
        role = {r["account"]: r["role"] for r in csv.DictReader(fh)}
    for name in ("personas", "tag teams"):
        runner = runners()[name]
        found = runner.run(case).flagged
        assert found, name
        assert {role[a] for a in found} <= set(runner.targets), name
