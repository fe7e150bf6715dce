"""A small synthetic case with exact planted operation sizes, shared by the temporal tests.

Built once per test process (each test module reaches it through its own module fixture) in a
temporary folder removed at exit. Reading the labels here is scoring, not detection: the code
under test only sees the case.
"""

from __future__ import annotations

import atexit
import csv
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

SCALE = 0.02
SEED = 3


@dataclass
class Synth:
    case: Any
    labels: dict[str, dict[str, str]]
    operations: dict[str, dict[str, Any]]
    actions_csv: Path

    def op(self, op_id: str) -> dict[str, Any]:
        return self.operations[op_id]

    def role(self, account: str) -> str:
        return self.labels[account]["role"]

    def true_offset(self, account: str) -> float:
        return float(self.labels[account]["utc_offset"])

    def action_ids(self, detail: str) -> set[str]:
        with open(self.actions_csv, newline="", encoding="utf-8") as fh:
            return {r["action_id"] for r in csv.DictReader(fh) if r["detail"] == detail}


@functools.cache
def synthetic_case() -> Synth:
    from swarmscope import Case, ingest
    from swarmscope.synthetic import Scenario, generate

    root = Path(tempfile.mkdtemp(prefix="swarmscope-temporal-"))
    atexit.register(shutil.rmtree, root, True)
    gen = generate(root / "synthetic", scale=SCALE, seed=SEED,
                   scenario=Scenario(scale_operations=False))
    case = Case.init(root / "case")
    ingest(case, [gen.actions_path], format="parquet")
    with open(gen.labels_dir / "accounts.csv", newline="", encoding="utf-8") as fh:
        labels = {r["account"]: r for r in csv.DictReader(fh)}
    ops = orjson.loads((gen.labels_dir / "operations.json").read_bytes())
    return Synth(case, labels, {o["id"]: o for o in ops["operations"]},
                 gen.labels_dir / "actions.csv")


def check_structure(res: Any, n_actions: int) -> None:
    """What every temporal result must satisfy, whatever the data (the result contract)."""
    import pyarrow.compute as pc

    tc, off = res.timecards, res.offsets
    assert tc.column_names[:6] == ["scope", "id", "zone", "weekday", "hour", "actions"]
    for col in ("weekday", "hour", "actions"):
        assert str(tc.schema.field(col).type) == "int64"
    assert pc.min(tc.column("weekday")).as_py() >= 0 and pc.max(tc.column("weekday")).as_py() <= 6
    assert pc.min(tc.column("hour")).as_py() >= 0 and pc.max(tc.column("hour")).as_py() <= 23
    utc_acc = tc.filter(pc.and_(pc.equal(tc.column("scope"), "account"),
                                pc.equal(tc.column("zone"), "utc")))
    assert pc.sum(utc_acc.column("actions")).as_py() == n_actions
    for col in ("scope", "id", "n_actions", "utc_offset", "confidence", "status", "schedule"):
        assert col in off.column_names
    rows = off.to_pylist()
    assert sum(r["n_actions"] for r in rows if r["scope"] == "account") == n_actions
    for r in rows:
        assert r["status"] in ("ok", "undetermined")
        assert r["schedule"] in ("leisure", "job", "round-the-clock", "undetermined")
        assert 0.0 <= r["confidence"] <= 1.0
        if r["status"] == "ok":
            assert -12 <= r["utc_offset"] <= 14
        else:
            assert r["utc_offset"] is None
    local = tc.filter(pc.equal(tc.column("zone"), "local"))
    ok_ids = {(r["scope"], r["id"]) for r in rows if r["status"] == "ok"}
    assert set(zip(local.column("scope").to_pylist(), local.column("id").to_pylist(),
                   strict=True)) <= ok_ids
