"""The Wikipedia forensics stage of ``swarmscope demo``.

:func:`run` is called by :mod:`swarmscope.demo` on the demo case (whose synthetic wiki holds a
planted tag-team ring, an anti-vandalism bot and patrollers): it computes the ``wiki_revisions``
table if it is missing, runs :func:`~swarmscope.wiki.forensics.report.run_report` and returns
where the main results are and what was found. It never reads the ground truth.
"""

from __future__ import annotations

from typing import Any

from ...case import Case
from .report import run_report


def run(case: Case) -> dict[str, Any]:
    """Run every forensics signal on ``case``; returns result paths and a short summary."""
    rep = run_report(case)  # computes wiki_revisions first when missing or stale
    teams = [t for t in rep.tables["wiki_tag_teams"].to_pylist() if t["flagged"]]
    top = rep.tables["wiki_similar_pairs"].slice(0, 3).to_pylist()
    out: dict[str, Any] = {
        name: rep.paths[name] for name in ("wiki_tag_teams", "wiki_similar_pairs",
                                           "wiki_page_stats") if name in rep.paths
    }
    out["tag_teams"] = [t["members"] for t in teams]
    out["top_pairs"] = [(p["a"], p["b"], round(p["score"], 3)) for p in top]
    out["counts"] = rep.counts
    # accounts each signal points at, for the demo's planted-vs-found table
    out["found"] = {"tag teams": sorted({m for t in teams for m in t["members"]})}
    return out
