"""Synthetic scenarios with planted ground truth, for developing and evaluating detectors.

:func:`generate` writes ``actions.parquet`` (the canonical source columns; ingest it with
``--format parquet``) and ``labels/`` (the ground truth, which detection never reads) for a
30-day window: an organic social background on platform ``synthnet`` and a wiki on platform
``synthwiki``, confounders that fool naive detectors (viral bursts, news bots, a fan
community, a shared event, anti-vandalism patrol), and five planted operations (a co-repost
ring, a copy-paste text farm, a keyword-triggered reply swarm, team-run personas working
shifts, and a Wikipedia tag-team ring). ``docs/synthetic.md`` describes the model and the
labels; :class:`Scenario` holds every parameter.

The same ``(scale, seed, scenario)`` always gives the same table; ``scale=1`` is about one
million actions.

Example::

    >>> import tempfile
    >>> result = generate(tempfile.mkdtemp(), scale=0.01, seed=7)
    >>> result.n_actions > 5_000, (result.labels_dir / "accounts.csv").exists()
    (True, True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..errors import UsageError
from .confounders import ConfounderPlan
from .operations import FarmPlan, PersonaPlan, RingPlan, SwarmPlan
from .organic import allocate_organic, build_organic
from .scenario import (
    Confounders,
    CoRepostRing,
    Organic,
    PersonaTeam,
    ReplySwarm,
    Scenario,
    SocialOperation,
    TagTeam,
    TextFarm,
    Wiki,
)
from .wiki import WikiPlan
from .world import World
from .writer import (
    SocialOutput,
    write_accounts_csv,
    write_action_labels,
    write_actions,
    write_operations_json,
)

__all__ = [
    "CoRepostRing",
    "Confounders",
    "GenerateResult",
    "Organic",
    "PersonaTeam",
    "ReplySwarm",
    "Scenario",
    "SocialOperation",
    "TagTeam",
    "TextFarm",
    "Wiki",
    "generate",
]


@dataclass(frozen=True)
class GenerateResult:
    """What :func:`generate` wrote."""

    n_actions: int
    n_accounts: int
    actions_path: Path
    labels_dir: Path
    seconds: float


def generate(out_dir: str | Path, scale: float = 1.0, seed: int = 7,
             scenario: Scenario | None = None) -> GenerateResult:
    """Generate a scenario into ``out_dir`` (created if missing; existing outputs replaced)."""
    t0 = time.perf_counter()
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise UsageError(f"scale must be a positive number, not {scale!r}")
    scenario = scenario or Scenario()
    scenario.validate()
    out = Path(out_dir)
    labels = out / "labels"
    labels.mkdir(parents=True, exist_ok=True)

    world = World.create(scenario, float(scale), int(seed))
    organic_accounts, activity = allocate_organic(world)
    confounders = ConfounderPlan(world)
    plans = [plan(world) for enabled, plan in (
        (scenario.ring.enabled, RingPlan), (scenario.farm.enabled, FarmPlan),
        (scenario.swarm.enabled, SwarmPlan), (scenario.personas.enabled, PersonaPlan),
    ) if enabled]
    wiki = WikiPlan(world)
    world.social.assign_names(world.rng("names"), world.vocab.handles(world.rng("handles"),
                                                                      len(world.social)))
    wiki.assign_names()

    build_organic(world, organic_accounts, activity)
    confounders.build()
    for plan in plans:
        plan.build()
    wiki_table = wiki.build()

    social = SocialOutput(world)
    actions_path = out / "actions.parquet"
    table = write_actions(actions_path, [social.table(), wiki_table])
    n_accounts = write_accounts_csv(labels / "accounts.csv", world)
    write_action_labels(labels / "actions.csv", "synthnet", social.id_str, social.op,
                        social.detail, social.group)
    write_action_labels(labels / "actions.csv", "synthwiki", wiki_table.column("action_id")
                        .combine_chunks(), wiki.op, wiki.detail,
                        pa.nulls(len(wiki.detail), pa.string()), append=True)
    write_operations_json(labels / "operations.json", world, social)
    return GenerateResult(n_actions=table.num_rows, n_accounts=n_accounts,
                          actions_path=actions_path, labels_dir=labels,
                          seconds=round(time.perf_counter() - t0, 2))

