"""``swarmscope report``: write the evidence report of a case."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from ..case import Case
from ..cli import console, err
from .model import Limits
from .render import write_report


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path),
              help="Report folder (default CASE/report), or the HTML file with --single-file "
                   "(default CASE/report.html).")
@click.option("--single-file", is_flag=True,
              help="One HTML file with every script inlined (exports go beside it).")
@click.option("--exports/--no-exports", default=True, show_default=True,
              help="Write edges, accounts, clusters, evidence (Parquet, CSV) and the network "
                   "(GEXF, GraphML) beside the report.")
@click.option("--dossiers", default=Limits.dossiers, show_default=True,
              help="Clusters that get a full dossier (in rank order).")
def report(case: Path, out: Path | None, single_file: bool, exports: bool, dossiers: int) -> None:
    """Write the evidence report of CASE: a self-contained HTML page, viewable offline."""
    c = Case.open(case)
    result = write_report(c, out, single_file=single_file, exports=exports,
                          limits=Limits(dossiers=max(0, dossiers)),
                          progress=lambda msg: err.print(Text(msg, style="dim")))
    console.print(Text(f"report: {result.path} ({result.seconds:.1f} s)"))
    if result.exports is not None:
        console.print(Text(f"exports: {result.exports}"))
