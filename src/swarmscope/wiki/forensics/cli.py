"""``swarmscope wiki report CASE``: run the Wikipedia forensics signals and publish the results.

A thin layer over :func:`swarmscope.wiki.forensics.report.run_report`.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text


@click.command("report")
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--page", "pages", multiple=True,
              help="Limit the page statistics and edit wars to this page (repeatable).")
@click.option("--users", "--user", "users", multiple=True,
              help="An account of interest (repeatable): the interaction tables cover these "
                   "accounts and every pair with one of them is scored.")
@click.option("--window", default="7d", show_default=True,
              help="Co-revert window of the tag-team test (e.g. 24h, 7d).")
@click.option("--permutations", default=200, show_default=True, type=int,
              help="Shuffles of the revert network for the tag-team null model.")
@click.option("--alpha", default=0.05, show_default=True, type=float,
              help="False discovery rate of the tag-team and source-ring tests.")
@click.option("--seed", default=42, show_default=True, type=int)
def report(case: Path, pages: tuple[str, ...], users: tuple[str, ...], window: str,
           permutations: int, alpha: float, seed: int) -> None:
    """Page statistics, editor interaction, revert network and tag teams, cited-source
    changes, single-purpose accounts and similar account pairs of CASE, written to
    CASE/results/wiki_*.parquet."""
    from ...case import Case
    from ...cli import console, terminal_text
    from ...signals.detect import parse_duration
    from .report import run_report

    rep = run_report(Case.open(case), pages=pages or None, users=users or None,
                     window_s=parse_duration(window), permutations=permutations, alpha=alpha,
                     seed=seed)
    c = rep.counts
    console.print(Text(
        f"{c['pages']:,} pages, {c['revert_edges']:,} reverter->reverted edges, "
        f"{c['edit_wars']:,} pages with mutual reverts, {c['tag_teams_flagged']:,} tag teams, "
        f"{c['similar_pairs']:,} scored pairs, {c['single_purpose']:,} single-purpose "
        f"accounts, {c['source_rings_flagged']:,} group source changes flagged"))
    teams = [t for t in rep.tables["wiki_tag_teams"].to_pylist() if t["flagged"]]
    if teams:
        t = Table("team", "members", "pages", "opponents", "reverts", "q", title="tag teams")
        for team in teams[:10]:
            t.add_row(str(team["team"]), terminal_text(", ".join(team["members"]), limit=60),
                      str(team["n_pages"]), str(len(team["opponents"] or [])),
                      str(team["team_reverts"]), f"{team['min_q_value']:.2g}")
        console.print(t)
    pairs = rep.tables["wiki_similar_pairs"].slice(0, 10).to_pylist()
    if pairs:
        t = Table("rank", "accounts", "score", "evidence",
                  title="account pairs by behavioural evidence (not proof of one operator)")
        for p in pairs:
            t.add_row(str(p["rank"]), terminal_text(f"{p['a']} / {p['b']}", limit=50),
                      f"{p['score']:.2f}", terminal_text(p["evidence"], limit=120))
        console.print(t)
    console.print(Text(f"results: {Case.open(case).path / 'results'} (wiki_*.parquet)"))
