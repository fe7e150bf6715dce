"""CLI commands of the co-action signals: ``detect`` and ``explain``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from ..case import Case
from ..cli import _parse_pairs, console, err, terminal_text
from .coaction import DEFAULT_MAX_NEIGHBOURS
from .detect import MODES
from .detect import detect as run_detect


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--behaviour", "-b", "behaviours", multiple=True,
              help="Behaviour to test (repeatable; default: repost, quote, reply, link, hashtag, "
                   "text, edit where the case has them). See 'swarmscope behaviours'.")
@click.option("--window", "windows", multiple=True,
              help="Co-action window, e.g. 60s, 5m, 1h, for all behaviours; BEHAVIOUR=DURATION "
                   "sets one behaviour's. Default: each behaviour's own (60 s for reposts and "
                   "links, 10 min for replies, 1 h for text and edits; 'swarmscope behaviours').")
@click.option("--mode", type=click.Choice(MODES), default="significance", show_default=True,
              help="significance: null model and FDR; coortweet / cnt: the peers' semantics.")
@click.option("--alpha", default=0.01, show_default=True,
              help="FDR level: edges with q <= alpha are significant.")
@click.option("--min-objects", default=2, show_default=True,
              help="Pairs need at least this many shared objects to be tested.")
@click.option("--max-neighbours", default=DEFAULT_MAX_NEIGHBOURS, show_default=True,
              help="Crowd cap per action on viral objects (0 = no cap).")
@click.option("--min-participation", default=2, show_default=True, help="coortweet mode.")
@click.option("--edge-weight", default=0.5, show_default=True,
              help="coortweet mode: percentile threshold of edge weights (strict >).")
@click.option("--min-edge-weight", default=2, show_default=True, help="cnt mode.")
@click.option("--seed", default=42, show_default=True, help="Seed of the Leiden clustering.")
@click.option("--resolution", default=1.0, show_default=True, help="Leiden resolution.")
def detect(case: Path, behaviours: tuple[str, ...], windows: tuple[str, ...], mode: str,
           alpha: float, min_objects: int, max_neighbours: int, min_participation: int,
           edge_weight: float, min_edge_weight: int, seed: int, resolution: float) -> None:
    """Find accounts that act on the same objects within a window more often than chance.

    Writes CASE/results/{edges,accounts,clusters,bounded_objects}.parquet (and .csv),
    network.gexf, network.graphml and detect.json.
    """
    base = [w for w in windows if "=" not in w]
    per = _parse_pairs(tuple(w for w in windows if "=" in w), "--window")
    c = Case.open(case)
    result = run_detect(
        c, behaviours=list(behaviours) or None, window=base[-1] if base else None, windows=per,
        mode=mode, max_neighbours=max_neighbours or None, min_objects=min_objects, alpha=alpha,
        min_participation=min_participation, edge_weight=edge_weight,
        min_edge_weight=min_edge_weight, seed=seed, resolution=resolution,
        progress=lambda msg: err.print(Text(msg, style="dim")),
    )
    t = Table("behaviour", "actions", "candidate pairs", "tested", "significant",
              title="co-action by behaviour")
    for beh, cnt in result.counts["behaviours"].items():
        t.add_row(beh, f"{cnt['actions']:,}", f"{cnt['candidate_pairs']:,}", f"{cnt['edges']:,}",
                  f"{cnt.get('significant', 0):,}")
    console.print(t)
    print_clusters(result.clusters, limit=10)
    console.print(Text(f"{result.counts['flagged']:,} of {result.counts['accounts']:,} accounts "
                       f"flagged in {result.counts['clusters']:,} clusters; results in "
                       f"{c.path / 'results'}"))
    if result.bounded.num_rows:
        console.print(Text(f"crowd cap applied on {result.bounded.num_rows:,} viral objects "
                           f"(see results/bounded_objects.csv)", style="yellow"))


def print_clusters(clusters, limit: int = 10) -> None:
    t = Table("cluster", "size", "behaviours", "density", "score", "members", title="clusters")
    for row in clusters.slice(0, limit).to_pylist():
        members = ", ".join(row["members"][:6]) + (" ..." if len(row["members"]) > 6 else "")
        t.add_row(str(row["cluster"]), str(row["size"]), ", ".join(row["behaviours"] or []),
                  f"{row['density']:.2f}", f"{row['score']:.1f}", terminal_text(members, 70))
    console.print(t)


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--pair", nargs=2, metavar="A B", help="Explain the edge between accounts A and B.")
@click.option("--cluster", type=int, help="Explain a cluster of the last detection run.")
@click.option("--behaviour", "-b", "behaviours", multiple=True)
@click.option("--window", default=None, help="Window (default: the one of the detection run).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write all events to a CSV (formula-safe) or Parquet file.")
@click.option("--limit", default=30, show_default=True, help="Events shown on screen.")
def explain(case: Path, pair: tuple[str, str] | None, cluster: int | None,
            behaviours: tuple[str, ...], window: str | None, output: Path | None,
            limit: int) -> None:
    """Show the evidence behind an edge (--pair A B) or a cluster (--cluster N)."""
    from ..exports import write_csv
    from .explain import explain_cluster, explain_pair

    if (pair is None) == (cluster is None):
        raise click.UsageError("give exactly one of --pair A B or --cluster N")
    c = Case.open(case)
    beh = list(behaviours) or None
    events = (explain_pair(c, pair[0], pair[1], beh, window) if pair
              else explain_cluster(c, cluster, beh, window))
    t = Table("behaviour", "object", "first", "at", "second", "lag s", "records",
              title=f"{events.num_rows:,} co-action events")
    for e in events.slice(0, limit).to_pylist():
        t.add_row(e["behaviour"], terminal_text(e["object"], 40), terminal_text(e["first_account"], 20),
                  str(e["first_ts"]), terminal_text(e["second_account"], 20), f"{e['lag_s']:g}",
                  terminal_text(f"{e['first_action_id']} / {e['second_action_id']}", 40))
    console.print(t)
    if output:
        if output.suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(events, output)
        else:
            write_csv(events, output)
        console.print(Text(f"wrote {events.num_rows:,} events to {output}"))
