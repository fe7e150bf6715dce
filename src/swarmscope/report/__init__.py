"""The evidence report: one self-contained HTML page (or folder) per case.

``swarmscope report CASE`` renders what the signals wrote into the case: a summary with the
provenance of every source file, the ranked clusters with a dossier each (members, strongest
edges, every co-action event of the strongest pairs with exact times, lags and source records,
activity timelines, lag histograms and, where computed, timecards in inferred local time, time
zone offsets, schedules, persona scores, swarm latencies and lead/follow), an interactive network
view, Wikipedia and other result tables, methods and limitations, and exports (Parquet, CSV,
GEXF, GraphML). It loads nothing from the network and treats every string as hostile
(``docs/report.md``).

Example::

    from swarmscope.report import write_report
    result = write_report("mycase")            # mycase/report/index.html
    result = write_report("mycase", "r.html", single_file=True)
"""

from __future__ import annotations

from .model import Limits, Model, build_model
from .render import ReportResult, write_report

__all__ = ["Limits", "Model", "ReportResult", "build_model", "write_report"]
