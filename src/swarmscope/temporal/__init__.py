"""Temporal fingerprints: timecards, UTC offsets and schedules, team-run personas, keyword-
triggered swarms and lead-follow roles (``docs/temporal.md``).

Library API (each module documents its method, parameters and references):

- :func:`analyse` / :func:`publish` (:mod:`.pipeline`): everything below except swarms, on a
  case, published as ``results/{timecards,offsets,personas,leadfollow}.parquet``;
- :func:`timecards` (:mod:`.timecards`): weekday x hour histograms, UTC and local;
- :func:`infer_offsets`, :func:`fit_offsets` (:mod:`.offsets`): offsets, confidence, schedule
  class (leisure / job / round-the-clock), shared-job-schedule score of clusters;
- :func:`score_personas` (:mod:`.personas`): coverage, hand-over and style shift by block;
- :func:`lead_follow` (:mod:`.leadfollow`): seeders and amplifiers in clusters;
- :func:`find_swarms` / :func:`publish_swarms` (:mod:`.swarms`): keyword-triggered swarms,
  given or discovered triggers, latencies against an organic baseline.

Example::

    from swarmscope import Case
    from swarmscope.temporal import analyse, find_swarms, publish_swarms
    case = Case.open("mycase")
    result = analyse(case)
    publish_swarms(case, find_swarms(case.connect(), keywords=["Tehran"]))
"""

from .leadfollow import lead_follow
from .offsets import fit_offsets, infer_offsets
from .personas import score_personas, style_split
from .pipeline import TemporalResult, analyse, publish, publish_swarms
from .swarms import SwarmResult, Trigger, find_swarms
from .timecards import timecard_matrix, timecards

__all__ = [
    "SwarmResult",
    "TemporalResult",
    "Trigger",
    "analyse",
    "find_swarms",
    "fit_offsets",
    "infer_offsets",
    "lead_follow",
    "publish",
    "publish_swarms",
    "score_personas",
    "style_split",
    "timecard_matrix",
    "timecards",
]
