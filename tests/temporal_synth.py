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
