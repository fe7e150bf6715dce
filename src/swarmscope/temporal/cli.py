"""CLI commands of the temporal signals: ``timecards`` and ``swarms`` (registered by
:mod:`swarmscope.cli`)."""

from __future__ import annotations

import csv
from pathlib import Path

import click
import pyarrow.compute as pc
from rich.table import Table
from rich.text import Text

from ..case import Case
from ..cli import console, err, terminal_text
from ..errors import UsageError
from .offsets import DEFAULT_MIN_ACTIONS


def _read_groups(path: Path) -> dict[str, list[str]]:
    """Account groups from a CSV with columns ``group`` (or ``cluster``) and ``account``."""
    groups: dict[str, list[str]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        key = "group" if "group" in cols else "cluster" if "cluster" in cols else None
        if key is None or "account" not in cols:
            raise UsageError(f"{path}: needs the columns 'group' (or 'cluster') and 'account'")
        for row in reader:
            if row[key] and row["account"]:
                groups.setdefault(row[key], []).append(row["account"])
    return groups


def _fmt_offset(v: float | None) -> str:
    if v is None:
        return "-"
    sign = "+" if v >= 0 else "-"
    h, m = divmod(round(abs(v) * 60), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--min-actions", default=DEFAULT_MIN_ACTIONS, show_default=True,
              help="Fewer actions (counted once per half-hour) leave an account undetermined.")
@click.option("--zone", "zones", multiple=True, metavar="IANA_ZONE",
              help="Compare named time zones (repeatable, e.g. --zone Europe/Moscow "
                   "--zone America/New_York); follows daylight saving per date.")
@click.option("--seasons", is_flag=True,
              help="Also fit summer (Apr-Oct) and winter offsets (daylight saving shows as +1).")
@click.option("--groups", "groups_csv", type=click.Path(path_type=Path, exists=True),
              help="CSV of account groups (columns group, account) to fit instead of the "
                   "co-action clusters of results/clusters.parquet.")
@click.option("--no-personas", is_flag=True, help="Skip the team-run persona scores.")
@click.option("--top", default=10, show_default=True, help="Rows shown per table.")
def timecards(case: Path, min_actions: int, zones: tuple[str, ...], seasons: bool,
              groups_csv: Path | None, no_personas: bool, top: int) -> None:
    """Timecards, UTC offsets, schedules, team-run personas and lead-follow for CASE.

    Writes CASE/results/{timecards,offsets,personas,leadfollow}.parquet (CSV copies of the
    last three) and temporal.json. Clusters come from 'swarmscope detect' (run it first), or
    from --groups.
    """
    from .pipeline import analyse

    c = Case.open(case)
    res = analyse(c, groups=_read_groups(groups_csv) if groups_csv else None,
                  min_actions=min_actions, zones=list(zones) or None, seasons=seasons,
                  personas=not no_personas,
                  progress=lambda m: err.print(Text(m, style="dim")))
    n = res.counts
    console.print(Text(f"{n['accounts_with_offset']:,} of {n['accounts']:,} accounts placed "
                       f"in a time zone (the others have fewer than {min_actions} actions or "
                       f"no daily rhythm); schedules: "
                       + ", ".join(f"{k} {v:,}" for k, v in sorted(n["schedules"].items()))))
    off = res.offsets
    acc = off.filter(pc.and_(pc.equal(off.column("scope"), "account"),
                             pc.equal(off.column("status"), "ok")))
    if acc.num_rows:
        vc = pc.value_counts(acc.column("utc_offset")).to_pylist()
        vc.sort(key=lambda r: -r["counts"])
        t = Table("offset", "accounts", title="most common inferred offsets")
        for r in vc[:top]:
            t.add_row(_fmt_offset(r["values"]), f"{r['counts']:,}")
        console.print(t)
    cl = off.filter(pc.equal(off.column("scope"), "cluster"))
    if cl.num_rows:
        t = Table("cluster", "members", "offset", "confidence", "schedule", "job-like, same zone",
                  "schedule score", title="clusters")
        rows = sorted(cl.to_pylist(), key=lambda r: -(r["schedule_score"] or 0))
        for r in rows[:top]:
            t.add_row(terminal_text(r["id"]), str(r["members"]), _fmt_offset(r["utc_offset"]),
                      f"{r['confidence']:.2f}", r["schedule"],
                      f"{r['members_job_same_offset'] or 0}/{r['members_determined'] or 0}",
                      "-" if r["schedule_score"] is None else f"{r['schedule_score']:.1f}")
        console.print(t)
    pers = res.personas.filter(res.personas.column("flagged")) if res.personas.num_rows \
        else res.personas
    if pers.num_rows:
        t = Table("account", "score", "active hours", "style blocks (UTC)", "hand-over (UTC)",
                  "style markers", title="team-run personas")
        for r in pers.slice(0, top).to_pylist():
            t.add_row(terminal_text(r["account"], 40), f"{r['score']:.1f}",
                      str(r["active_hours"]), ", ".join(r["block_utc"]),
                      ", ".join(f"{h:02d}:00" for h in r["handover_utc"]),
                      terminal_text(" / ".join(r["markers"]), 100))
        console.print(t)
        console.print(Text("evidence per account: results/personas.csv (column evidence)"))
    seeders = res.leadfollow.filter(pc.equal(res.leadfollow.column("role"), "seeder")) \
        if res.leadfollow.num_rows else res.leadfollow
    if seeders.num_rows:
        t = Table("cluster", "seeder", "led", "followed", "lead share", title="seeders")
        for r in seeders.slice(0, top).to_pylist():
            t.add_row(terminal_text(r["cluster"]), terminal_text(r["account"], 40), str(r["led"]),
                      str(r["followed"]), f"{r['lead_share']:.2f}")
        console.print(t)
    console.print(Text(f"results in {c.path / 'results'}"))


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--keyword", "keywords", multiple=True,
              help="Trigger posts contain this word (whole word, any case; repeatable).")
@click.option("--regex", "regexes", multiple=True,
              help="Trigger posts match this regular expression (RE2 syntax; repeatable).")
@click.option("--hashtag", "hashtags", multiple=True, help="Trigger posts carry this hashtag.")
@click.option("--watch-account", "watch", multiple=True,
              help="Trigger posts are this account's posts (repeatable).")
@click.option("--window", default="10m", show_default=True,
              help="A quick response comes within this delay (e.g. 90s, 10m).")
@click.option("--max-latency", default="1d", show_default=True,
              help="Responses later than this are ignored.")
@click.option("--min-hits", default=3, show_default=True,
              help="A swarm member responded quickly to at least this many trigger posts.")
@click.option("--min-swarm", default=3, show_default=True, help="Smallest swarm.")
@click.option("--alpha", default=0.01, show_default=True, help="FDR level of the responder test.")
@click.option("--discover/--no-discover", default=None,
              help="Look for trigger terms (default: only when no trigger is given).")
@click.option("--max-terms", default=5, show_default=True, help="Most terms discovered.")
@click.option("--top", default=10, show_default=True, help="Members shown per swarm.")
def swarms(case: Path, keywords: tuple[str, ...], regexes: tuple[str, ...],
           hashtags: tuple[str, ...], watch: tuple[str, ...], window: str, max_latency: str,
           min_hits: int, min_swarm: int, alpha: float, discover: bool | None, max_terms: int,
           top: int) -> None:
    """Keyword-triggered swarms in CASE: accounts that respond to many trigger posts quickly
    and together, against responses to comparable posts.

    Without --keyword/--regex/--hashtag/--watch-account, discovers the trigger terms. Writes
    CASE/results/{swarms,swarm_latencies,swarm_triggers}.parquet and swarms.json.
    """
    from ..signals.detect import parse_duration
    from .pipeline import publish_swarms
    from .swarms import find_swarms

    c = Case.open(case)
    res = find_swarms(c.connect(), keywords=keywords, regexes=regexes, hashtags=hashtags,
                      watch_accounts=watch, window=parse_duration(window),
                      max_latency=parse_duration(max_latency), min_hits=min_hits,
                      min_swarm=min_swarm, alpha=alpha, discover=discover, max_terms=max_terms)
    publish_swarms(c, res)
    t = Table("trigger", "kind", "posts", "controls", "quick responders / post",
              "on controls", "swarm members", "median latency (swarm / others / controls)",
              title="triggers")
    for r in res.triggers.to_pylist():
        lat = " / ".join("-" if r[k] is None else f"{r[k]:.0f} s" for k in
                         ("median_latency_swarm_s", "median_latency_other_s",
                          "median_latency_control_s"))
        t.add_row(terminal_text(r["trigger"], 40), r["trigger_kind"], f"{r['trigger_posts']:,}",
                  f"{r['control_posts']:,}",
                  "-" if r["quick_responders_per_trigger"] is None
                  else f"{r['quick_responders_per_trigger']:.2f}",
                  "-" if r["quick_responders_per_control"] is None
                  else f"{r['quick_responders_per_control']:.2f}",
                  str(r["flagged"]), lat)
    console.print(t)
    if res.triggers.num_rows == 0:
        console.print(Text("no trigger term attracts a recurring swarm"))
    members = res.swarms.to_pylist()
    for sid in sorted({r["swarm"] for r in members}):
        rows = [r for r in members if r["swarm"] == sid]
        # Titles are rendered as markup when given as str: build a Text from hostile data.
        title = Text(f"swarm {sid} ({len(rows)} accounts) on ") + terminal_text(rows[0]["trigger"])
        t = Table("account", "triggers", "controls", "median latency", "q", title=title)
        for r in rows[:top]:
            t.add_row(terminal_text(r["account"], 40),
                      f"{r['triggers_responded']}/{r['trigger_posts']}",
                      f"{r['control_responses']}/{r['control_posts']}",
                      "-" if r["median_latency_s"] is None else f"{r['median_latency_s']:.0f} s",
                      f"{r['q_value']:.2g}")
        console.print(t)
    console.print(Text(f"results in {c.path / 'results'}"))
