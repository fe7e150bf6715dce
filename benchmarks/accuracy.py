"""Accuracy benchmark: swarmscope's detectors on synthetic scenarios with planted ground truth
and on the IRA tweets, with the library defaults (no per-scenario tuning).

Synthetic suite (``swarmscope.synthetic``, ``scale_operations=False`` so operation sizes are
exact; confounders on unless a scenario says otherwise: viral bursts, viral replies, a shared
event, a fan community, news outlets with aggregator bots, wiki patrol). Each scenario varies
the three co-action operations (co-repost ring, copy-paste farm, reply swarm) one way: size
(5 to 500 accounts), speed (seconds to hours), activity (down to 5 actions per account),
mixing (share of organic-looking actions); the persona team and the wiki tag team are always
planted too. Every scenario is generated, ingested into a fresh case and given to every signal
runner of :mod:`swarmscope.evaluation.runners` (today: ``coaction`` = ``swarmscope detect``
with its defaults; other signals add columns by registering a runner).

Scoring (:mod:`swarmscope.evaluation`): "in scope" counts as positives the members of the
operations a signal targets and leaves other operations' members unlabelled; "all planted"
counts every operation member as a positive. Accounts labelled but without any action in the
case are left out (the case cannot show them).

IRA (``../shared/data/ira-twitter``): ingested with ``--format ira-538`` when available, else
the generic Parquet format (account=author, ts=publish_date, text=content, kind from
post_type/retweet); coverage = share of the 341 accounts flagged; agreement of the clusters
with Linvill & Warren's ``account_category`` (read for evaluation only, never ingested).

Output: Markdown tables on stdout (the text of ``docs/accuracy.md``'s results section).

Usage::

    python benchmarks/accuracy.py                         # the full suite (~3-4 min)
    python benchmarks/accuracy.py --only baseline --skip-ira
    python benchmarks/accuracy.py --update-doc docs/accuracy.md --json /tmp/accuracy.json
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from swarmscope import Case, __version__, ingest
from swarmscope.evaluation import evaluate_tables, read_labels
from swarmscope.evaluation import metrics as m
from swarmscope.evaluation.runners import SignalOutput, runners
from swarmscope.synthetic import Confounders, Scenario, generate

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SWARMSCOPE_SHARED_DATA", ROOT.parent / "shared" / "data"))
IRA_TWEETS = SHARED / "ira-twitter" / "ira_tweets_en_2016-10-01_2016-11-15.parquet"
DOC_START, DOC_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"

COACTION_ROLES = ("co_repost_ring", "copy_paste_farm", "reply_swarm")
PLANTED_ROLES = COACTION_ROLES + ("persona", "operation_staff", "tag_team",
                                  "tag_team_single_purpose")
NEGATIVE_ROLES = ("fan", "news_bot", "news_outlet", "idol", "organic")
GOAL_PRECISION, GOAL_RECALL = 0.9, 0.8
GOAL_IRA_COVERAGE, GOAL_IRA_NMI = 0.9, 0.5
#: score thresholds of the sensitivity table (score >= 2 is the default alpha = 0.01)
SWEEP = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0)


# ----------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Bench:
    name: str
    varies: str
    scenario: Scenario
    #: background scale and seeds when not the suite's (a big operation needs a bigger
    #: background, and one seed keeps its run time in the budget)
    scale: float | None = None
    seeds: tuple[int, ...] | None = None


def _ops(s: Scenario, ring: dict[str, Any] | None = None, farm: dict[str, Any] | None = None,
         swarm: dict[str, Any] | None = None, **common: Any) -> Scenario:
    """The three co-action operations changed the same way (``common``) plus per operation."""
    return replace(s, ring=replace(s.ring, **{**common, **(ring or {})}),
                   farm=replace(s.farm, **{**common, **(farm or {})}),
                   swarm=replace(s.swarm, **{**common, **(swarm or {})}))


def suite() -> list[Bench]:
    base = Scenario(scale_operations=False)
    heavy = replace(Confounders(), fan_size=600, news_outlets=16, news_bot_accounts=80,
                    viral_burst_count=10, viral_reply_size=2_000, event_share=0.06)
    return [
        Bench("baseline", "defaults: ring 30, farm 20, swarm 25 accounts; all confounders", base),
        Bench("no-confounders", "baseline without any confounder",
              replace(base, confounders=Confounders.none())),
        Bench("heavy-confounders", "fan community x5, news bots x4, viral bursts x2",
              replace(base, confounders=heavy)),
        Bench("size-5", "5 accounts per operation", _ops(base, size=5)),
        Bench("size-100", "100 accounts per operation", _ops(base, size=100)),
        Bench("size-500", "co-repost ring of 500 accounts (background scale 0.25, one seed)",
              _ops(base, ring={"size": 500}), scale=0.25, seeds=(7,)),
        Bench("dominant-500", "ring of 500 making half of all reposts (scale 0.05)",
              _ops(base, ring={"size": 500})),
        Bench("speed-10s", "coordinated actions within 10-30 s",
              _ops(base, ring={"window_s": 10}, farm={"window_s": 30},
                   swarm={"min_delay_s": 3, "window_s": 30})),
        Bench("speed-30min", "coordinated actions spread over 30 min",
              _ops(base, window_s=1_800, swarm={"min_delay_s": 300})),
        Bench("speed-3h", "coordinated actions spread over 3 h",
              _ops(base, window_s=10_800, swarm={"min_delay_s": 600})),
        Bench("activity-15", "15 actions per account", _ops(base, activity=15)),
        Bench("activity-5", "5 actions per account", _ops(base, activity=5)),
        Bench("mixing-0.8", "80% of each account's actions organic-looking",
              _ops(base, mixing=0.8)),
        Bench("mixing-0.95", "95% organic-looking (3-5 coordinated actions per account)",
              _ops(base, mixing=0.95)),
    ]


# ----------------------------------------------------------------------------- evaluation
def scoped_labels(labels: pa.Table, targets: tuple[str, ...]) -> pa.Table:
    """Members of operations outside ``targets`` become unlabelled (empty label)."""
    if not targets:
        return labels
    lab = labels.column("label").to_pylist()
    role = labels.column("role").to_pylist()
    out = [None if (y == "1" and r not in targets) else y for y, r in zip(lab, role, strict=True)]
    return labels.set_column(labels.column_names.index("label"), "label",
                             pa.array(out, pa.string()))


def prefixed(tbl: pa.Table, prefix: str) -> pa.Table:
    """``account`` prefixed (pooling seeds: the same name in two seeds is two accounts)."""
    i = tbl.column_names.index("account")
    col = pc.binary_join_element_wise(pa.scalar(prefix), tbl.column("account").cast(pa.string()),
                                      "")
    return tbl.set_column(i, "account", col)


@dataclass
class Run:
    """One generated scenario (one seed) after every runner."""

    seed: int
    actions: int
    accounts: list[str]
    labels: pa.Table
    outputs: dict[str, SignalOutput]
    unavailable: dict[str, str]
    seconds: float


def run_one(b: Bench, scale: float, seed: int, work: Path) -> Run:
    t0 = time.perf_counter()
    folder = work / f"{b.name}-{seed}"
    gen = generate(folder / "gen", scale=scale, seed=seed, scenario=b.scenario)
    case = Case.init(folder / "case")
    ingest(case, [gen.actions_path], format="parquet")
    accounts = [r[0] for r in case.connect().sql(
        "SELECT DISTINCT account FROM actions ORDER BY account").fetchall()]
    labels = read_labels(gen.labels_dir / "accounts.csv")
    outputs, unavailable = {}, {}
    for name, runner in runners().items():
        try:
            outputs[name] = runner.run(case)
        except ModuleNotFoundError as exc:
            unavailable[name] = str(exc)
    if len(outputs) > 1:  # what swarmscope finds as a whole
        outputs["any signal"] = SignalOutput(
            flagged=set().union(*(o.flagged for o in outputs.values())))
    shutil.rmtree(folder, ignore_errors=True)
    return Run(seed, gen.n_actions, accounts, labels, outputs, unavailable,
               time.perf_counter() - t0)


def pooled(runs: list[Run], pick: Any) -> tuple[pa.Table, pa.Table, set[str] | None]:
    """Results and labels of all seeds in one table (accounts prefixed by seed); ``pick``
    chooses the SignalOutput of a run."""
    res, lab, reach = [], [], set()
    has_reach = True
    for i, r in enumerate(runs):
        so = pick(r)
        tbl = prefixed(so.results_table(r.accounts), f"{r.seed}:")
        # cluster ids are per run: keep those of different seeds apart
        j = tbl.column_names.index("cluster")
        tbl = tbl.set_column(j, "cluster", pc.add(tbl.column("cluster"), (i + 1) * 10**6))
        res.append(tbl)
        lab.append(prefixed(r.labels, f"{r.seed}:"))
        if so.reachable is None:
            has_reach = False
        else:
            reach |= {f"{r.seed}:{a}" for a in so.reachable}
    return pa.concat_tables(res), pa.concat_tables(lab), (reach if has_reach else None)


def score(res: pa.Table, labels: pa.Table, targets: tuple[str, ...], n_bootstrap: int,
          reachable: set[str] | None = None) -> dict[str, Any]:
    """In-scope and all-planted reports, best precision at recall 0.8, reachable positives."""
    lab_s = scoped_labels(labels, targets)
    scoped = evaluate_tables(res, lab_s, group_column="role", n_bootstrap=n_bootstrap, seed=0)
    allp = evaluate_tables(res, labels, group_column="role", n_bootstrap=0)
    lab = dict(zip(lab_s.column("account").to_pylist(), lab_s.column("label").to_pylist(),
                   strict=True))
    ys, ss = [], []
    for a, s in zip(res.column("account").to_pylist(), res.column("score").to_pylist(),
                    strict=True):
        if lab.get(a) in ("0", "1"):
            ys.append(int(lab[a]))
            ss.append(s)
    out = {"scoped": scoped, "all": allp,
           "p_at_r": m.precision_at_recall(ys, ss, GOAL_RECALL) if ys else math.nan,
           "reachable": None}
    if reachable is not None and scoped.positives:
        pos = {a for a, y in lab.items() if y == "1"} & set(res.column("account").to_pylist())
        out["reachable"] = len(pos & reachable) / len(pos)
    return out


def sweep(res: pa.Table, labels: pa.Table, targets: tuple[str, ...]
          ) -> dict[float, tuple[float, float]]:
    """(precision, recall) if accounts were flagged at score >= t (the score is -log10 of the
    Bonferroni-adjusted q; the default alpha 0.01 is t = 2)."""
    lab_s = scoped_labels(labels, targets)
    out = {}
    for t in SWEEP:
        flagged = pc.greater_equal(res.column("score"), t)
        r = evaluate_tables(res.set_column(res.column_names.index("flagged"), "flagged",
                                           flagged), lab_s, group_column=None, n_bootstrap=0)
        out[t] = (r.precision, r.recall)
    return out


def run_scenario(b: Bench, scale: float, seeds: list[int], work: Path, n_bootstrap: int
                 ) -> dict[str, Any]:
    scale = b.scale or scale
    seeds = list(b.seeds or seeds)
    runs = []
    for seed in seeds:
        r = run_one(b, scale, seed, work)
        print(f"# {b.name} seed {seed}: {r.seconds:.1f} s", file=sys.stderr, flush=True)
        runs.append(r)
    out: dict[str, Any] = {
        "scenario": b.name, "varies": b.varies, "seeds": seeds, "scale": scale,
        "actions": sum(r.actions for r in runs) / len(runs),
        "seconds": sum(r.seconds for r in runs), "signals": {},
        "unavailable": runs[0].unavailable,
    }
    all_runners = runners()
    for name in runs[0].outputs:
        targets = all_runners[name].targets if name in all_runners else ()
        res, lab, reach = pooled(runs, lambda r, n=name: r.outputs[n])
        row = score(res, lab, targets, n_bootstrap, reach)
        row["targets"] = targets
        row["seconds"] = sum(r.outputs[name].seconds for r in runs)
        row["parts"] = {}
        for part in runs[0].outputs[name].parts:
            pres, plab, _ = pooled(runs, lambda r, n=name, p=part: r.outputs[n].parts[p])
            row["parts"][part] = score(pres, plab, targets, 0)
        if name == "coaction":
            row["sweep"] = sweep(res, lab, targets)
        # share of an operation's members in its main cluster, per seed, then averaged
        # and agreement of the clusters with the roles (per seed: cluster ids are per run)
        shares: dict[str, list[float]] = {}
        ari, nmi = [], []
        for r in runs:
            rep = evaluate_tables(r.outputs[name].results_table(r.accounts), r.labels,
                                  group_column="role", n_bootstrap=0)
            for g in rep.groups:
                shares.setdefault(g.group, []).append(g.main_cluster_share)
            if rep.clusters:
                ari.append(rep.clusters.ari)
                nmi.append(rep.clusters.nmi)
        row["main_cluster_share"] = {k: mean(v) for k, v in shares.items()}
        row["ari"], row["nmi"] = mean(ari), mean(nmi)
        out["signals"][name] = row
    return out


# ----------------------------------------------------------------------------- IRA
def ira_benchmark(work: Path) -> dict[str, Any]:
    from swarmscope.sources.registry import available_formats

    t0 = time.perf_counter()
    case = Case.init(work / "ira-case")
    if "ira-538" in available_formats():
        fmt = "ira-538"
        ingest(case, [IRA_TWEETS], format="ira-538")
    else:
        # Generic Parquet: a derived copy with the columns mapped and the kind spelled out
        # (RETWEET rows -> repost with no repost_of: the repost behaviour keys on the
        # normalised text); same row order, so records still point at the source rows. The
        # Clemson category is not copied: detection never sees it.
        fmt = "parquet (generic mapping)"
        derived = work / "ira-actions.parquet"
        src = pq.read_table(IRA_TWEETS, columns=["author", "publish_date", "content",
                                                  "post_type", "retweet"])
        post_type = src.column("post_type").fill_null("")
        repost = pc.or_(pc.equal(src.column("retweet").fill_null(0), 1),
                        pc.is_in(post_type, pa.array(["R", "RETWEET"])))
        quote = pc.is_in(post_type, pa.array(["Q", "QUOTE_TWEET"]))
        kind = pc.if_else(quote, "quote", pc.if_else(repost, "repost", "post"))
        pq.write_table(src.select(["author", "publish_date", "content"]).append_column(
            "kind", kind), derived)
        ingest(case, [derived], format="parquet", platform="twitter", extra="none",
               mapping={"account": "author", "ts": "publish_date", "text": "content"})
    t_ingest = time.perf_counter() - t0
    con = duckdb.connect()
    con.register("ira", pq.read_table(IRA_TWEETS, columns=["author", "account_category"]))
    labels = con.sql(
        "SELECT author AS account, '1' AS label, min(account_category) AS category, "
        "count(DISTINCT account_category) AS n FROM ira GROUP BY author ORDER BY author"
    ).to_arrow_table()
    con.close()
    out: dict[str, Any] = {"format": fmt, "accounts": labels.num_rows,
                           "ingest_seconds": t_ingest, "signals": {}}
    accounts = labels.column("account").to_pylist()
    cat = dict(zip(accounts, labels.column("category").to_pylist(), strict=True))
    for name, runner in runners().items():
        try:
            so = runner.run(case)
        except ModuleNotFoundError as exc:
            out["signals"][name] = {"unavailable": str(exc)}
            continue
        res = so.results_table(accounts)
        rep = evaluate_tables(res, labels, group_column="category", n_bootstrap=1000, seed=0)
        # Also with the unclustered accounts as one block, the strictest reading.
        with_rest = ["-" if c is None else str(c) for c in res.column("cluster").to_pylist()]
        cats = [cat[a] for a in res.column("account").to_pylist()]
        out["signals"][name] = {
            "report": rep, "seconds": so.seconds,
            "reachable": (len(so.reachable & set(accounts)) / len(accounts)
                          if so.reachable is not None else None),
            "nmi_all": m.normalized_mutual_info(with_rest, cats),
            "ari_all": m.adjusted_rand_index(with_rest, cats),
            "parts": {p: evaluate_tables(po.results_table(accounts), labels,
                                         group_column="category", n_bootstrap=0)
                      for p, po in so.parts.items()},
        }
    shutil.rmtree(work / "ira-case", ignore_errors=True)
    out["seconds"] = time.perf_counter() - t0
    return out


# ----------------------------------------------------------------------------- output
def fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def ci(rep: Any, name: str) -> str:
    v = rep.ci.get(name)
    return f" ({v[0]:.2f}-{v[1]:.2f})" if v else ""


def table(headers: list[str], rows: list[list[Any]], text_columns: int = 1) -> str:
    """A Markdown table; the first ``text_columns`` columns left-aligned, numbers right."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i < text_columns else "---:"
                            for i in range(len(headers))) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(fmt(c) for c in r) + " |")
    return "\n".join(lines)


def mean(xs: list[float]) -> float:
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return sum(xs) / len(xs) if xs else math.nan


def render(results: list[dict[str, Any]], ira: dict[str, Any] | None, env: dict[str, Any]
           ) -> str:
    out: list[str] = []
    say = out.append
    seeds = env["seeds"]
    say(f"Run {env['date']} on {env['machine']} (swarmscope {env['version']}, commit "
        f"{env['commit']}); scale {env['scale']}, seeds {', '.join(map(str, seeds))} pooled "
        f"per scenario; total {env['seconds']:.0f} s.\n")
    say("### Scenarios\n")
    say(table(["scenario", "what varies", "scale", "seeds", "actions per seed"],
              [[r["scenario"], r["varies"], f"{r['scale']:g}", ", ".join(map(str, r["seeds"])),
                int(r["actions"])] for r in results], text_columns=2))
    say("")
    names = sorted({s for r in results for s in r["signals"]},
                   key=lambda s: (s == "any signal", s))
    unavailable = sorted({n for r in results for n in r["unavailable"]})
    if unavailable:
        say("Signals not installed in this build: " + ", ".join(f"`{n}`" for n in unavailable)
            + ".\n")
    for sig in names:
        rows, goals = [], []
        for r in results:
            row = r["signals"].get(sig)
            if row is None:
                continue
            s, a = row["scoped"], row["all"]
            rows.append([r["scenario"], int(r["actions"]), s.positives, s.flagged, s.tp,
                         fmt(s.precision) + ci(s, "precision"), fmt(s.recall) + ci(s, "recall"),
                         s.f1, s.pr_auc, s.roc_auc, row["p_at_r"], row["reachable"], a.recall,
                         row["ari"], row["nmi"], r["seconds"]])
            goals.append((s.precision, s.recall, s.f1, s.pr_auc, row["p_at_r"], a.recall))
        if not rows:
            continue
        avg = [mean([g[i] for g in goals]) for i in range(6)]
        rows.append(["**mean**", "", "", "", "", avg[0], avg[1], avg[2], avg[3], "", avg[4], "",
                     avg[5], "", "", ""])
        targets = next((r["signals"][sig]["targets"] for r in results if sig in r["signals"]),
                       ())
        say(f"### Signal `{sig}` by scenario\n")
        say("In scope: " + (", ".join(f"`{t}`" for t in targets) if targets else "every role")
            + " (other operations' members unlabelled). planted / flagged / TP summed over "
            "the seeds; actions per seed. Precision, recall, F1 at the flagged threshold (95% "
            "stratified bootstrap CI); PR-AUC, ROC-AUC of the score; P@R0.8 = best precision of "
            "any score threshold with recall >= 0.8; reachable = share of planted accounts in at "
            "least one tested pair (the recall ceiling of co-action); recall (all) counts every "
            "planted operation member, including those the signal does not target; ARI, NMI = "
            "agreement of the clusters with the labelled roles (operations and confounders) "
            "over the clustered accounts, mean over seeds.\n")
        say(table(["scenario", "actions", "planted", "flagged", "TP", "precision", "recall",
                   "F1", "PR-AUC", "ROC-AUC", "P@R0.8", "reachable", "recall (all)", "ARI",
                   "NMI", "s"], rows))
        met = avg[0] >= GOAL_PRECISION and avg[1] >= GOAL_RECALL
        say(f"\nGoal (mean precision >= {GOAL_PRECISION} at mean recall >= {GOAL_RECALL}): "
            f"**{'met' if met else 'not met'}** (precision {fmt(avg[0])}, recall "
            f"{fmt(avg[1])}).\n")
    # per planted role and per confounder
    roles_rows, fp_rows = [], []
    for r in results:
        row = r["signals"].get("coaction")
        if not row:
            continue
        g = {x.group: x for x in row["all"].groups}
        roles_rows.append([r["scenario"]] + [
            (f"{g[k].flagged}/{g[k].evaluated}"
             + (f" ({row['main_cluster_share'][k]:.0%})" if g[k].flagged else ""))
            if k in g else "-" for k in PLANTED_ROLES])
        wiki_fp = sum(x.flagged for k, x in g.items() if k not in PLANTED_ROLES
                      and k not in NEGATIVE_ROLES)
        fp_rows.append([r["scenario"]] + [
            f"{g[k].flagged}/{g[k].evaluated}" if k in g else "-" for k in NEGATIVE_ROLES]
            + [wiki_fp])
    if roles_rows:
        say("### Planted operations found by `coaction`\n")
        say("Flagged / members in the cases, over all seeds (mean over seeds of the share of "
            "the members in their operation's main cluster). The persona team and the wiki tag "
            "team are for the `personas` and `tag teams` signals (their own tables above).\n")
        say(table(["scenario"] + [f"`{k}`" for k in PLANTED_ROLES], roles_rows))
        say("\n### False positives of `coaction` by organic role\n")
        say("Flagged / accounts of the role over all seeds (all labelled 0).\n")
        say(table(["scenario"] + [f"`{k}`" for k in NEGATIVE_ROLES] + ["wiki roles"], fp_rows))
        say("")
    sweep_rows = []
    for r in results:
        row = r["signals"].get("coaction")
        if row and "sweep" in row:
            sweep_rows.append([r["scenario"]] + [f"{fmt(p)} / {fmt(rc)}"
                                                 for p, rc in row["sweep"].values()])
    if sweep_rows:
        means = []
        for t in SWEEP:
            ps = [r["signals"]["coaction"]["sweep"][t] for r in results
                  if "coaction" in r["signals"]]
            means.append(f"**{fmt(mean([p for p, _ in ps]))} / {fmt(mean([x for _, x in ps]))}**")
        sweep_rows.append(["**mean**"] + means)
        say("### Sensitivity of `coaction` to the flagging threshold\n")
        say("Precision / recall (in scope) if accounts were flagged at score >= t instead of "
            "the default (score = -log10 of the account's Bonferroni-adjusted q; t = 2 is the "
            "default alpha 0.01). One threshold for all scenarios: this shows the trade-off of "
            "the default, it is not a tuned result.\n")
        say(table(["scenario"] + [f"t = {t:g}" + (" (default)" if t == 2 else "")
                                  for t in SWEEP], sweep_rows))
        say("")
    beh_rows = []
    for r in results:
        row = r["signals"].get("coaction")
        if not row:
            continue
        for p, pr in sorted(row["parts"].items()):
            s = pr["scoped"]
            if s.flagged == 0:
                continue
            beh_rows.append([r["scenario"], p, s.positives, s.flagged, s.tp, s.precision,
                             s.recall, s.f1, s.pr_auc])
    if beh_rows:
        say("### `coaction` by behaviour\n")
        say("Each behaviour's own contribution to the same run (an account's best q-value in "
            "that behaviour, same Bonferroni factor and alpha), in-scope labels; behaviours "
            "that flag nobody are left out.\n")
        say(table(["scenario", "behaviour", "planted", "flagged", "TP", "precision", "recall",
                   "F1", "PR-AUC"], beh_rows, text_columns=2))
        say("")
    if ira:
        say("### IRA tweets (341 accounts, 2016-10-01..2016-11-15)\n")
        say(f"Ingested as `{ira['format']}` ({ira['ingest_seconds']:.1f} s). All accounts are "
            "IRA accounts: coverage = share flagged (95% bootstrap CI); reachable = share in at "
            "least one tested pair. Cluster agreement with the Clemson `account_category` over "
            "the clustered accounts (NMI, ARI, purity), and with every unclustered account in "
            "one extra block (NMI all, ARI all).\n")
        rows = []
        for sig, row in ira["signals"].items():
            if "unavailable" in row:
                continue
            rep = row["report"]
            c = rep.clusters
            rows.append([sig, rep.evaluated, rep.flagged,
                         fmt(rep.recall) + ci(rep, "recall"), row["reachable"],
                         c.clusters if c else 0, c.accounts if c else 0,
                         c.nmi if c else None, c.ari if c else None, c.purity if c else None,
                         row["nmi_all"], row["ari_all"], row["seconds"]])
            for p, prep in sorted(row["parts"].items()):
                rows.append([f"{sig}: {p}", prep.evaluated, prep.flagged, prep.recall, "", "",
                             "", "", "", "", "", "", ""])
        say(table(["signal", "accounts", "flagged", "coverage", "reachable", "clusters",
                   "clustered", "NMI", "ARI", "purity", "NMI all", "ARI all", "s"], rows))
        co = ira["signals"].get("coaction")
        if co and "unavailable" not in co:
            say("\nCoverage by category (`coaction`):\n")
            say(table(["category", "accounts", "flagged", "coverage", "clusters",
                       "main cluster share"],
                      [[g.group, g.evaluated, g.flagged, g.flagged_share, g.clusters,
                        g.main_cluster_share] for g in co["report"].groups]))
            rep = co["report"]
            met_cov = rep.recall >= GOAL_IRA_COVERAGE
            nmi = rep.clusters.nmi if rep.clusters else math.nan
            met_nmi = nmi >= GOAL_IRA_NMI
            say(f"\nGoals: coverage >= {GOAL_IRA_COVERAGE:.0%}: **{'met' if met_cov else 'not met'}"
                f"** ({rep.recall:.1%}); NMI >= {GOAL_IRA_NMI}: **{'met' if met_nmi else 'not met'}"
                f"** ({fmt(nmi)} over clustered accounts, {fmt(co['nmi_all'])} with the "
                "unclustered as one block).\n")
    return "\n".join(out)


def environment(scale: float, seeds: list[int]) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"date": time.strftime("%Y-%m-%d"), "version": __version__, "commit": commit,
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}",
            "scale": scale, "seeds": seeds}


def update_doc(doc: Path, text: str) -> None:
    body = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(DOC_START) + ".*?" + re.escape(DOC_END), re.S)
    if not pattern.search(body):
        raise SystemExit(f"{doc}: no {DOC_START} ... {DOC_END} section to replace")
    doc.write_text(pattern.sub(lambda _m: f"{DOC_START}\n{text}\n{DOC_END}", body),
                   encoding="utf-8")


def to_jsonable(x: Any) -> Any:
    if hasattr(x, "to_dict"):
        return x.to_dict()
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [to_jsonable(v) for v in x]
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.05,
                    help="background scale of each scenario (0.05: ~60k actions)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    ap.add_argument("--only", nargs="+", help="scenario names to run")
    ap.add_argument("--skip-ira", action="store_true")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write every number as JSON")
    ap.add_argument("--update-doc", type=Path,
                    help="replace the results section of this Markdown file")
    args = ap.parse_args()

    t0 = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="swarmscope-accuracy-"))
    work.mkdir(parents=True, exist_ok=True)
    benches = [b for b in suite() if not args.only or b.name in args.only]
    if args.only and len(benches) != len(args.only):
        known = ", ".join(b.name for b in suite())
        raise SystemExit(f"unknown scenario in {args.only}; known: {known}")
    results = []
    try:
        for b in benches:
            r = run_scenario(b, args.scale, args.seeds, work, args.bootstrap)
            co = r["signals"].get("coaction")
            if co:
                print(f"# {b.name}: precision {fmt(co['scoped'].precision)}, recall "
                      f"{fmt(co['scoped'].recall)}", file=sys.stderr, flush=True)
            results.append(r)
        ira = None
        if not args.skip_ira:
            if IRA_TWEETS.exists():
                ira = ira_benchmark(work)
                print(f"# IRA: {ira['seconds']:.1f} s", file=sys.stderr, flush=True)
            else:
                print(f"# IRA tweets not found at {IRA_TWEETS}: skipped", file=sys.stderr)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    env = environment(args.scale, args.seeds)
    env["seconds"] = time.perf_counter() - t0
    text = render(results, ira, env)
    print(text)
    if args.update_doc:
        update_doc(args.update_doc, text)
    if args.json:
        args.json.write_bytes(orjson.dumps(to_jsonable({"env": env, "scenarios": results,
                                                        "ira": ira}),
                                           option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
