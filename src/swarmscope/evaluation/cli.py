"""``swarmscope evaluate``: accuracy of a detection run against ground-truth labels."""

from __future__ import annotations

import math
from pathlib import Path

import click
import orjson
from rich.table import Table
from rich.text import Text

from ..cli import console, terminal_text
from .core import DEFAULT_K, MISSING_POLICIES, EvaluationReport
from .core import evaluate as run_evaluate

GROUPS_SHOWN = 40


def _f(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


def _ci(report: EvaluationReport, name: str) -> str:
    lo_hi = report.ci.get(name)
    return f"{lo_hi[0]:.3f} - {lo_hi[1]:.3f}" if lo_hi else "-"


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--labels", "labels", required=True, type=click.Path(path_type=Path),
              help="CSV or Parquet file: one row per account with a 0/1 label.")
@click.option("--label-column", default="label", show_default=True,
              help="Column of the labels file with 1 = coordinated, 0 = not, empty = unknown.")
@click.option("--group-column", default="operation", show_default=True,
              help="Column naming each account's group (operation, category); used when present.")
@click.option("--account-column", default="account", show_default=True,
              help="Column of the labels file with the account as in the case.")
@click.option("--results", default="accounts.parquet", show_default=True,
              help="Results file of the case to evaluate (results/<name>).")
@click.option("-k", "ks", multiple=True, type=int,
              help=f"Precision at k (repeatable; default {', '.join(map(str, DEFAULT_K))}).")
@click.option("--bootstrap", "n_bootstrap", default=1000, show_default=True,
              help="Bootstrap replicates for the confidence intervals (0 = none).")
@click.option("--seed", default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--level", default=0.95, show_default=True, help="Confidence level.")
@click.option("--missing", type=click.Choice(MISSING_POLICIES), default="exclude",
              show_default=True,
              help="Labelled accounts absent from the results: leave them out of the metrics, "
                   "or count them as not flagged.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate(case: Path, labels: Path, label_column: str, group_column: str,
             account_column: str, results: str, ks: tuple[int, ...], n_bootstrap: int,
             seed: int, level: float, missing: str, as_json: bool) -> None:
    """Compare CASE's detection results with a labels file.

    Prints precision, recall and F1 at the flagged threshold, PR-AUC and ROC-AUC of the score,
    precision at k, bootstrap confidence intervals, the base rate, and how the clusters agree
    with the label groups (purity, adjusted Rand index, NMI). Unlabelled accounts are counted,
    never treated as negatives.
    """
    ctx = click.get_current_context()
    explicit_group = (ctx.get_parameter_source("group_column")
                      is not click.core.ParameterSource.DEFAULT)
    report = run_evaluate(case, labels, label_column=label_column, group_column=group_column,
                          account_column=account_column, results=results,
                          k=ks or DEFAULT_K, n_bootstrap=n_bootstrap, seed=seed, level=level,
                          missing=missing, require_group=explicit_group)
    if as_json:
        click.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    print_report(report, case, labels)


def print_report(r: EvaluationReport, case: Path | str, labels: Path | str) -> None:
    """The human-readable report (every data string escaped)."""
    console.print(Text("evaluation of ", style="bold") + terminal_text(case, 200)
                  + Text(f"/results/{r.sources.get('results', 'accounts.parquet')} against ")
                  + terminal_text(labels, 200))
    console.print(Text(
        f"{r.results_accounts:,} accounts in the results, {r.labelled_accounts:,} labelled; "
        f"{r.evaluated:,} evaluated: {r.positives:,} positive, {r.negatives:,} negative "
        f"(base rate {_f(r.base_rate, 4)}), {r.flagged:,} flagged"))
    console.print(Text(
        f"unlabelled: {r.unlabelled:,} accounts in the results have no label "
        f"({r.unlabelled_flagged:,} of them flagged); they are not counted as negatives"))
    how = ("left out of the metrics" if r.missing_policy == "exclude"
           else "counted as not flagged")
    console.print(Text(
        f"missing: {r.missing:,} labelled accounts are not in the results "
        f"({r.missing_positives:,} of them positive); {how}"))
    level = int(round(100 * r.bootstrap["level"]))
    t = Table("metric", "value", f"{level}% CI", title=(
        f"detection (CI: {r.bootstrap['replicates']:,} {r.bootstrap['method']} bootstrap "
        f"replicates, seed {r.bootstrap['seed']})"))
    for name, label, value in (
        ("precision", "precision (flagged)", r.precision),
        ("recall", "recall (flagged)", r.recall),
        ("f1", "F1 (flagged)", r.f1),
        ("pr_auc", "PR-AUC (average precision, score)", r.pr_auc),
        ("roc_auc", "ROC-AUC (score)", r.roc_auc),
    ):
        t.add_row(label, _f(value), _ci(r, name))
    t.add_row("false positive rate", _f(r.false_positive_rate, 4), "-")
    t.add_row("TP / FP / FN / TN", f"{r.tp:,} / {r.fp:,} / {r.fn:,} / {r.tn:,}", "")
    console.print(t)
    if r.precision_at_k:
        t = Table("k", "precision at k", title="ranking by score")
        for k, v in r.precision_at_k.items():
            t.add_row(f"{k:,}", _f(v))
        if r.r_precision is not None:
            t.add_row(f"{r.positives:,} (R-precision)", _f(r.r_precision))
        console.print(t)
    if r.clusters is not None:
        c = r.clusters
        console.print(Text(
            f"clusters: {c.accounts:,} evaluated accounts in {c.clusters:,} clusters against "
            f"{c.classes:,} classes ({'group' if r.group_column else 'label'}): purity "
            f"{_f(c.purity)}, adjusted Rand index {_f(c.ari)}, NMI {_f(c.nmi)}"))
    else:
        console.print(Text("clusters: no evaluated account is in a cluster"))
    if r.groups:
        t = Table("group", "label", "labelled", "seen", "flagged", "share", "clusters",
                  "main", "in main", title=Text(f"by {r.group_column} (seen: in the results; "
                                                "share: flagged / seen)"))
        for g in r.groups[:GROUPS_SHOWN]:
            t.add_row(terminal_text(g.group, 40), "-" if g.label is None else str(g.label),
                      f"{g.accounts:,}", f"{g.evaluated:,}", f"{g.flagged:,}",
                      _f(g.flagged_share), f"{g.clusters:,}",
                      "-" if g.main_cluster is None else terminal_text(g.main_cluster, 20),
                      _f(g.main_cluster_share))
        console.print(t)
        if len(r.groups) > GROUPS_SHOWN:
            console.print(Text(f"... {len(r.groups) - GROUPS_SHOWN:,} more groups (--json "
                               "lists all)", style="dim"))
    for note in r.notes:
        console.print(Text("note: ", style="yellow") + terminal_text(note, 500))
