"""The temporal stage of ``swarmscope demo``: fingerprints and swarm discovery with defaults.

:func:`run` computes timecards, offsets, schedules, personas and lead-follow on the demo case
(its co-action clusters come from the detection stage that ran before), discovers keyword-
triggered swarms without being told the keyword, publishes everything and returns a summary
with the paths of the outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from ..case import Case
from .pipeline import analyse, publish_swarms
from .swarms import find_swarms


def run(case: Case) -> dict[str, Any]:
    """Run the temporal analyses on ``case`` with default parameters (a summary dict)."""
    res = analyse(case)
    sw = find_swarms(case.connect())
    publish_swarms(case, sw)
    off = res.offsets
    clusters = off.filter(pc.equal(off.column("scope"), "cluster")).to_pylist()
    job_clusters = [
        {"cluster": r["id"], "utc_offset": r["job_offset"], "members": r["members"],
         "job_same_offset": r["members_job_same_offset"], "score": r["schedule_score"]}
        for r in clusters if (r["schedule_score"] or 0) >= 2.0
    ]
    personas = [r["account"] for r in res.personas.to_pylist() if r["flagged"]]
    swarm_accounts = sorted(set(sw.swarms.column("account").to_pylist())) \
        if "account" in sw.swarms.column_names else []
    cluster_members = _cluster_members(case)
    job_accounts = sorted({a for c in job_clusters for a in cluster_members.get(str(c["cluster"]), [])})
    results = case.path / "results"
    out: dict[str, Any] = {
        "accounts": res.counts["accounts"],
        "accounts_with_offset": res.counts["accounts_with_offset"],
        "schedules": res.counts["schedules"],
        "job_clusters": job_clusters,
        "flagged_personas": personas,
        "swarm_terms": [r["trigger"] for r in sw.triggers.to_pylist() if r["flagged"]],
        "swarm_members": sw.swarms.num_rows,
        # accounts each signal points at, for the demo's planted-vs-found table
        "found": {"personas": personas, "swarms": swarm_accounts,
                  "job schedule": job_accounts},
    }
    for name in ("timecards", "offsets", "personas", "leadfollow", "swarms", "swarm_latencies",
                 "swarm_triggers"):
        out[name] = Path(results / f"{name}.parquet")
    return out


def _cluster_members(case: Case) -> dict[str, list[str]]:
    path = case.result_path("clusters.parquet")
    if path is None or not path.exists():
        return {}
    import pyarrow.parquet as pq

    tbl = pq.read_table(path, columns=["cluster", "members"]).to_pylist()
    return {str(r["cluster"]): list(r["members"]) for r in tbl}
