"""The ``swarmscope`` command line: a thin layer over the Python API.

Every string shown in the terminal that came from data goes through :func:`terminal_text`: data
is written by the people under investigation, and an account name holding an ANSI escape or rich
markup must not rewrite the analyst's screen.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from . import __version__
from .case import Case
from .errors import SwarmscopeError

console = Console(stderr=False, highlight=False)
err = Console(stderr=True, highlight=False)


def terminal_text(value: Any, limit: int = 80) -> Text:
    """Data value -> rich Text with control characters made visible, no markup, truncated."""
    if value is None:
        return Text("")
    s = str(value)
    s = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return Text(s)


def _parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"expected NAME=VALUE, got {v!r}", param_hint=option)
        k, _, val = v.partition("=")
        out[k.strip()] = val
    return out


class SwarmscopeGroup(click.Group):
    """Turns swarmscope's own errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SwarmscopeError as exc:
            err.print(Text("error: ", style="bold red") + terminal_text(exc, limit=2000))
            sys.exit(1)
        except KeyboardInterrupt:
            err.print("interrupted: nothing was committed")
            sys.exit(130)


@click.group(cls=SwarmscopeGroup)
@click.version_option(__version__, prog_name="swarmscope")
def cli() -> None:
    """swarmscope: find coordinated inauthentic behaviour in public activity data.

    Typical session: init a case, ingest files, detect, report.
    """


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--name", help="Human-readable name of the case (default: folder name).")
def init(case: Path, name: str | None) -> None:
    """Create an empty case folder CASE."""
    c = Case.init(case, name=name)
    console.print(Text(f"created case {c.name!r} at {c.path}"))


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Input format (see 'swarmscope formats'); 'auto' detects unambiguous ones.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Fill canonical COLUMN from input FIELD (repeatable).")
@click.option("--set", "sets", multiple=True, metavar="COLUMN=VALUE",
              help="Fill canonical COLUMN with a constant (repeatable).")
@click.option("--ts-format", help="strptime format of the timestamp (default: auto-detect).")
@click.option("--tz", help="IANA zone of timestamps that carry no offset (default UTC).")
@click.option("--ts-unit", type=click.Choice(["s", "ms", "us", "ns"]),
              help="Unit of epoch timestamps (default: inferred per value).")
@click.option("--platform", help="Platform name for formats that do not say (default generic).")
@click.option("--delimiter", help="Field delimiter for csv.")
@click.option("--extra", type=click.Choice(["all", "none"]), default="all", show_default=True,
              help="Keep unmapped input fields in the 'extra' JSON column.")
@click.option("--on-error", type=click.Choice(["stop", "skip"]), default="stop", show_default=True,
              help="stop: fail on the first bad record, case unchanged; skip: log rejects.")
@click.option("--init", "create", is_flag=True, help="Create CASE if it does not exist.")
def ingest(case: Path, files: tuple[Path, ...], fmt: str, maps: tuple[str, ...],
           sets: tuple[str, ...], ts_format: str | None, tz: str | None, ts_unit: str | None,
           platform: str | None, delimiter: str | None, extra: str, on_error: str,
           create: bool) -> None:
    """Ingest FILES into CASE (one transaction: all files or nothing)."""
    from .ingest import ingest as do_ingest

    c = Case.init(case, exist_ok=True) if create else Case.open(case)
    sizes = [f.stat().st_size if f.is_file() else 0 for f in files]
    with _progress() as prog:
        task = prog.add_task("ingesting", total=max(1, sum(sizes)))
        offsets = [sum(sizes[:i]) for i in range(len(sizes))]

        def on_progress(i: int, consumed: int, size: int) -> None:
            prog.update(task, completed=offsets[i] + min(consumed, size))

        report = do_ingest(c, files, format=fmt, mapping=_parse_pairs(maps, "--map"),
                           constants=_parse_pairs(sets, "--set"), ts_format=ts_format, tz=tz,
                           ts_unit=ts_unit, platform=platform, delimiter=delimiter, extra=extra,
                           on_error=on_error, progress=on_progress)
        prog.update(task, completed=max(1, sum(sizes)))
    table = Table("file", "format", "records", "added", "duplicates", "rejected")
    for f in report.files:
        table.add_row(terminal_text(f.path), f.format, f"{f.records:,}", f"{f.added:,}",
                      f"{f.duplicates:,}", f"{f.rejected:,}")
    console.print(table)
    console.print(Text(f"added {report.added:,} actions ({report.duplicates:,} duplicates "
                       f"skipped, {report.rejected:,} records rejected)"))
    for f in report.files:
        if f.rejects_file:
            console.print(Text(f"rejected records of {f.path}: {c.path / f.rejects_file}"))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TimeRemainingColumn(), console=err, transient=True,
                    disable=not err.is_terminal)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--top", default=5, show_default=True, help="Top objects per behaviour.")
def info(case: Path, top: int) -> None:
    """Summarise CASE: counts by platform and kind, accounts, time span, top objects."""
    from .info import case_info

    i = case_info(Case.open(case), top=top)
    console.print(Text(f"case {i['name']!r} at {i['path']}", style="bold"))
    console.print(Text(f"{i['actions']:,} actions by {i['accounts']:,} accounts, "
                       f"{i['first']} .. {i['last']}; {i['ingests']} ingested files"))
    t = Table("platform", "actions", "accounts", title="by platform")
    for p, n, a in i["platforms"]:
        t.add_row(terminal_text(p), f"{n:,}", f"{a:,}")
    console.print(t)
    t = Table("kind", "actions", title="by kind")
    for k, n in i["kinds"]:
        t.add_row(terminal_text(k), f"{n:,}")
    console.print(t)
    for name, rows in i["top_objects"].items():
        t = Table("object", "actions", "accounts", title=f"top objects: {name}")
        for obj, n, a in rows:
            t.add_row(terminal_text(obj), f"{n:,}", f"{a:,}")
        console.print(t)
    if i["results"]:
        console.print(Text("results: " + ", ".join(i["results"])))


@cli.command()
def formats() -> None:
    """List the input formats this installation reads."""
    from .sources.registry import _targets, available_formats

    avail = available_formats()
    t = Table("format", "platform", "description")
    for name in sorted(_targets()):
        cls = avail.get(name)
        if cls is None:
            t.add_row(name, "", Text("(not available in this installation)", style="dim"))
        else:
            t.add_row(name, cls.platform, cls.description)
    console.print(t)


@cli.command("behaviours")
def list_behaviours() -> None:
    """List the behaviours (what counts as acting on the same object)."""
    from .behaviours import behaviours

    t = Table("behaviour", "default window", "description")
    for name, b in sorted(behaviours().items()):
        t.add_row(name, f"{b.default_window:g} s", b.description)
    console.print(t)


@cli.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--scale", default=0.1, show_default=True, type=float,
              help="1.0 is about a million actions.")
@click.option("--seed", default=7, show_default=True, type=int)
def synth(out: Path, scale: float, seed: int) -> None:
    """Write a synthetic scenario (organic background + planted operations) to OUT.

    OUT gets actions.parquet (ingest with --format parquet) and labels/ with the ground truth,
    which detection never reads.
    """
    from .synthetic import generate

    result = generate(out, scale=scale, seed=seed)
    console.print(Text(f"wrote {result.n_actions:,} actions by {result.n_accounts:,} accounts "
                       f"to {result.actions_path}; ground truth in {result.labels_dir}"))


def _register_optional_commands() -> None:
    """Commands from modules that add their own group or command (kept out of import time)."""
    import importlib

    for module, attr in (
        ("swarmscope.demo", "demo"),
        ("swarmscope.signals.cli", "detect"),
        ("swarmscope.signals.cli", "explain"),
        ("swarmscope.temporal.cli", "timecards"),
        ("swarmscope.temporal.cli", "swarms"),
        ("swarmscope.wiki.cli", "wiki"),
        ("swarmscope.report.cli", "report"),
        ("swarmscope.evaluation.cli", "evaluate"),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue  # that part of swarmscope is not built yet
            raise
        if hasattr(mod, attr):
            cli.add_command(getattr(mod, attr))


_register_optional_commands()


def main() -> None:
    cli(prog_name="swarmscope")
