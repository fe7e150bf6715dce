"""``swarmscope demo``: build a synthetic case and run every stage on it, offline.

The demo generates a synthetic scenario (organic background, confounders and five planted
operations, see :mod:`swarmscope.synthetic`), ingests it into a fresh case, runs every analysis
stage that is installed, and prints what each found next to the planted ground truth, so a new
user sees in under a minute what swarmscope does and where its outputs are.

Reading the ground truth here is evaluation, not detection: the stages themselves never see the
labels (they only read the case).
"""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .case import Case
from .errors import UsageError

MARKER = ".swarmscope-demo"


@dataclass
class DemoResult:
    """Where the demo wrote things and what each stage reported."""

    folder: Path
    case: Case
    labels_dir: Path
    stages: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)


def run_demo(folder: str | Path = "swarmscope-demo", scale: float = 0.05, seed: int = 7,
             say: Callable[[str], None] | None = None) -> DemoResult:
    """Generate, ingest and analyse a synthetic case in ``folder`` (recreated if it holds an
    earlier demo; refused if it holds anything else)."""
    from .ingest import ingest
    from .signals.detect import detect
    from .synthetic import Scenario, generate

    say = say or (lambda _m: None)
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise UsageError(f"{folder} exists and is not a swarmscope demo folder; "
                             "choose another folder")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("created by swarmscope demo; safe to delete\n")

    t = time.perf_counter()
    # Operations keep their full default sizes at demo scale, so each is clearly visible.
    gen = generate(folder / "synthetic", scale=scale, seed=seed,
                   scenario=Scenario(scale_operations=False))
    say(f"generated {gen.n_actions:,} synthetic actions by {gen.n_accounts:,} accounts "
        f"({time.perf_counter() - t:.1f} s)")
    case = Case.init(folder / "case", name="swarmscope demo")
    t = time.perf_counter()
    rep = ingest(case, [gen.actions_path], format="parquet")
    say(f"ingested {rep.added:,} actions into {case.path} ({time.perf_counter() - t:.1f} s)")
    result = DemoResult(folder, case, gen.labels_dir)
    t = time.perf_counter()
    det = detect(case)
    say(f"co-action detection: {det.counts['flagged']:,} accounts flagged in "
        f"{det.counts['clusters']:,} clusters ({time.perf_counter() - t:.1f} s)")
    result.stages["coaction"] = det
    result.outputs["results"] = case.path / "results"
    for name, stage in _optional_stages():
        t = time.perf_counter()
        out = stage(case)
        result.stages[name] = out
        say(f"{name} ({time.perf_counter() - t:.1f} s)")
        if isinstance(out, dict):
            result.outputs.update({k: v for k, v in out.items() if isinstance(v, Path)})
    return result


def _optional_stages() -> list[tuple[str, Callable[[Case], Any]]]:
    """Stages of later parts of swarmscope, run when installed (each returns a dict)."""
    import importlib

    stages = []
    for name, module, attr in (
        ("temporal fingerprints", "swarmscope.temporal.demo", "run"),
        ("keyword swarms", "swarmscope.swarms.demo", "run"),
        ("wikipedia forensics", "swarmscope.wiki.forensics.demo", "run"),
        ("report", "swarmscope.report.demo", "run"),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        stages.append((name, getattr(mod, attr)))
    return stages


def planted_vs_found(labels_dir: Path, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each planted operation: its members, how many were flagged, and in which clusters."""
    ops = orjson.loads((labels_dir / "operations.json").read_bytes())
    by_account = {a["account"]: a for a in accounts}
    members: dict[str, list[str]] = {}
    with open(labels_dir / "accounts.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["label"] == "1" and row["operation"]:
                members.setdefault(row["operation"], []).append(row["account"])
    out = []
    for op in ops.get("operations", []):
        m = members.get(op["id"], [])
        flagged = [a for a in m if by_account.get(a, {}).get("flagged")]
        clusters = sorted({by_account[a]["cluster"] for a in flagged
                           if by_account[a].get("cluster") is not None})
        out.append({"id": op["id"], "type": op.get("type", ""), "members": len(m),
                    "flagged": len(flagged), "clusters": clusters})
    return out


@click.command()
@click.argument("folder", required=False, default="swarmscope-demo",
                type=click.Path(path_type=Path))
@click.option("--scale", default=0.05, show_default=True, help="Size of the synthetic case.")
@click.option("--seed", default=7, show_default=True)
def demo(folder: Path, scale: float, seed: int) -> None:
    """Build a synthetic case in FOLDER and run every stage on it (offline, under a minute)."""
    console = Console(highlight=False)
    t0 = time.perf_counter()
    res = run_demo(folder, scale=scale, seed=seed,
                   say=lambda m: console.print(Text("• " + m)))
    det = res.stages["coaction"]
    table = Table("planted operation", "type", "members", "flagged", "clusters",
                  title="planted operations (ground truth) and what detection found")
    found = planted_vs_found(res.labels_dir, det.accounts.to_pylist())
    for op in found:
        table.add_row(op["id"], op["type"], str(op["members"]), str(op["flagged"]),
                      ", ".join(map(str, op["clusters"])) or "-")
    console.print(table)
    from .signals.cli import print_clusters

    print_clusters(det.clusters, limit=8)
    console.print(Text(f"demo finished in {time.perf_counter() - t0:.1f} s"))
    console.print(Text(f"case: {res.case.path}"))
    for name, path in res.outputs.items():
        console.print(Text(f"{name}: {path}"))
    console.print(Text("next: swarmscope info / explain / detect on your own data; "
                       "see README.md"))
