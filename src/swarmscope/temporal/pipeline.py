"""``swarmscope timecards``: every temporal fingerprint of a case in one run, published.

:func:`analyse` computes, for the case's actions and its co-action clusters
(``results/clusters.parquet`` from ``swarmscope detect``, or groups you pass):

- timecards (:mod:`~swarmscope.temporal.timecards`), in UTC and in inferred local time;
- UTC offsets and schedule classes, with the clusters' shared-job-schedule score
  (:mod:`~swarmscope.temporal.offsets`);
- team-run persona scores (:mod:`~swarmscope.temporal.personas`);
- lead-follow roles inside clusters (:mod:`~swarmscope.temporal.leadfollow`);

and :func:`publish` writes ``results/timecards.parquet``, ``offsets.parquet``,
``personas.parquet``, ``leadfollow.parquet`` (with formula-safe CSV copies of the last three)
and ``temporal.json`` (parameters, counts, SHA-256 of every file) in one transaction.
Keyword-triggered swarms have their own entry point (:mod:`~swarmscope.temporal.swarms`,
``swarmscope swarms``) and are published by :func:`publish_swarms`.

Example::

    from swarmscope import Case
    from swarmscope.temporal import analyse
    result = analyse(Case.open("mycase"))          # computes and publishes
    result.offsets.filter(result.offsets["status"] == "ok").to_pandas()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import __version__
from ..case import Case
from ..exports import write_csv
from ..provenance import file_sha256
from .common import case_clusters, membership_table
from .leadfollow import lead_follow
from .offsets import DEFAULT_MIN_ACTIONS, check_zones, infer_offsets
from .personas import (
    DEFAULT_MIN_ACTIVE_HOURS,
    DEFAULT_MIN_TEXTS,
    score_personas,
)
from .personas import (
    RESULT_SCHEMA as PERSONA_SCHEMA,
)
from .swarms import SwarmResult
from .timecards import timecards

ProgressFn = Callable[[str], None]


@dataclass
class TemporalResult:
    """Tables of one temporal analysis (also published into the case unless ``write=False``)."""

    timecards: pa.Table
    offsets: pa.Table
    personas: pa.Table
    leadfollow: pa.Table
    params: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)


def _detect_params(case: Case) -> dict[str, Any]:
    path = case.result_path("detect.json")
    if path is None or not path.exists():
        return {}
    try:
        return dict(orjson.loads(path.read_bytes()).get("params", {}))
    except (orjson.JSONDecodeError, OSError):
        return {}


def analyse(case: Case | str | Path, groups: Mapping[str, list[str]] | pa.Table | None = None,
            min_actions: int = DEFAULT_MIN_ACTIONS, zones: Sequence[str] | None = None,
            seasons: bool = False, personas: bool = True, leadfollow: bool = True,
            persona_min_texts: int = DEFAULT_MIN_TEXTS,
            persona_min_active_hours: int = DEFAULT_MIN_ACTIVE_HOURS, write: bool = True,
            progress: ProgressFn | None = None) -> TemporalResult:
    """Compute every temporal fingerprint of ``case`` (see the module docstring).

    ``groups`` (cluster id -> members, or a ``cluster, account`` table) replaces the case's
    co-action clusters, e.g. a checkuser's set of suspected sock accounts.
    """
    if not isinstance(case, Case):
        case = Case.open(case)
    say = progress or (lambda _m: None)
    if zones:
        check_zones(zones)
    membership = membership_table(groups) if groups is not None else case_clusters(case)
    con = case.connect()
    say("offsets and schedule classes")
    offsets = infer_offsets(con, membership, min_actions=min_actions, seasons=seasons,
                            zones=zones)
    say("timecards")
    tc = timecards(con, membership, offsets)
    if personas:
        say("team-run personas (style by time of day)")
        pers = score_personas(con, offsets, min_texts=persona_min_texts,
                              min_active_hours=persona_min_active_hours)
    else:
        pers = PERSONA_SCHEMA.empty_table()
    if leadfollow and membership.num_rows:
        say("lead-follow in clusters")
        dp = _detect_params(case)
        lf = lead_follow(con, membership, behaviours=dp.get("behaviours"),
                         windows=dp.get("windows"))
    else:
        lf = lead_follow(con, None)
    con.close()
    acc = offsets.filter(pc.equal(offsets.column("scope"), "account"))
    ok = acc.filter(pc.equal(acc.column("status"), "ok"))
    counts = {
        "accounts": acc.num_rows, "accounts_with_offset": ok.num_rows,
        "clusters": offsets.num_rows - acc.num_rows,
        "schedules": _value_counts(acc.column("schedule")),
        "personas_flagged": int(pc.sum(pers.column("flagged")).as_py() or 0)
        if pers.num_rows else 0,
        "leadfollow_rows": lf.num_rows, "timecard_cells": tc.num_rows,
    }
    params = {"min_actions": min_actions, "zones": list(zones or []), "seasons": seasons,
              "personas": personas, "leadfollow": leadfollow,
              "persona_min_texts": persona_min_texts,
              "persona_min_active_hours": persona_min_active_hours,
              "groups": "given" if groups is not None else "results/clusters.parquet"}
    result = TemporalResult(tc, offsets, pers, lf, params, counts)
    if write:
        publish(case, result)
    return result


def _value_counts(col: pa.ChunkedArray) -> dict[str, int]:
    vc = pc.value_counts(col)
    return {str(v["values"]): int(v["counts"]) for v in vc.to_pylist()}




def _publish(case: Case, tables: dict[str, pa.Table], csv_names: set[str], record: str,
             run: dict[str, Any]) -> None:
    with case.transaction() as txn:
        files: dict[str, Path] = {}
        for name, tbl in tables.items():
            p = txn.stage_path(f"{name}.parquet")
            pq.write_table(tbl, p, compression="zstd")
            files[f"{name}.parquet"] = p
            if name in csv_names:
                c = txn.stage_path(f"{name}.csv")
                write_csv(tbl, c)
                files[f"{name}.csv"] = c
        run = dict(run, swarmscope_version=__version__,
                   at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                   case_generation=case.generation,
                   files={n: file_sha256(p) for n, p in files.items()})
        for name, p in files.items():
            txn.add_result(name, p)
        rp = txn.stage_path(record)
        rp.write_bytes(orjson.dumps(run, option=orjson.OPT_INDENT_2))
        txn.add_result(record, rp)


def publish(case: Case, result: TemporalResult) -> None:
    """Write the temporal result tables into ``case/results`` in one transaction."""
    _publish(case, {"timecards": result.timecards, "offsets": result.offsets,
                    "personas": result.personas, "leadfollow": result.leadfollow},
             {"offsets", "personas", "leadfollow"}, "temporal.json",
             {"signal": "temporal", "params": result.params, "counts": result.counts})


def publish_swarms(case: Case, result: SwarmResult) -> None:
    """Write the swarm result tables into ``case/results`` in one transaction."""
    counts = {"triggers": result.triggers.num_rows, "members": result.swarms.num_rows,
              "latencies": result.latencies.num_rows}
    _publish(case, {"swarms": result.swarms, "swarm_latencies": result.latencies,
                    "swarm_triggers": result.triggers},
             {"swarms", "swarm_triggers"}, "swarms.json",
             {"signal": "swarms", "params": result.params, "counts": counts})
