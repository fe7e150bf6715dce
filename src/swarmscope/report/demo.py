"""The report stage of ``swarmscope demo``: write the report of the demo case."""

from __future__ import annotations

from pathlib import Path

from ..case import Case
from .render import write_report


def run(case: Case) -> dict[str, Path]:
    """Write ``CASE/report/`` and return where the page and the exports are."""
    result = write_report(case)
    out: dict[str, Path] = {"report": result.path}
    if result.exports is not None:
        out["report exports"] = result.exports
    return out
