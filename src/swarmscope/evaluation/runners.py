"""Signal runners: the detectors ``benchmarks/accuracy.py`` evaluates, one column each.

A runner takes a case (actions already ingested) and returns a :class:`SignalOutput`: the
accounts it flags and, when it ranks accounts, their scores and clusters. It runs with the
library defaults: the benchmark measures what a user gets without tuning.

``targets`` names the planted roles (``labels/accounts.csv`` ``role`` of
:mod:`swarmscope.synthetic`) the signal is built to find. The benchmark scores each runner
"in scope" (members of other operations are left unlabelled, neither positives nor negatives)
and "all planted" (every operation member is a positive), so a signal is not blamed for
operations another signal covers, and the union of all runners shows what swarmscope finds
as a whole.

Adding a signal (temporal fingerprints, Wikipedia forensics, ...) is one function and one
:func:`register` call in this module, e.g.::

    def _timecards(case: Case) -> SignalOutput:
        from ..temporal import timecards          # the signal's own library API
        res = timecards(case)                     # defaults, no tuning
        acc = res.accounts.to_pydict()
        return SignalOutput(flagged={a for a, f in zip(acc["account"], acc["flagged"]) if f},
                            scores=dict(zip(acc["account"], acc["score"])),
                            clusters=dict(zip(acc["account"], acc["cluster"])))

    register("timecards", _timecards, "shift-work fingerprints",
             targets=("persona", "operation_staff"))

A runner whose module is not installed yet should raise ``ModuleNotFoundError``; the benchmark
lists it as unavailable instead of failing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from ..case import Case
from ..signals.detect import ACCOUNT_TESTS_PER_BEHAVIOUR


@dataclass
class SignalOutput:
    """What one signal says about the accounts of a case."""

    flagged: set[str]
    #: higher = more suspicious; accounts absent rank lowest
    scores: dict[str, float] | None = None
    clusters: dict[str, int] | None = None
    #: the same signal broken down (e.g. per behaviour), each part evaluated as its own row
    parts: dict[str, SignalOutput] = field(default_factory=dict)
    #: accounts the signal could have flagged at all (for co-action: accounts in at least one
    #: tested pair), the ceiling of its recall; None when the signal does not say
    reachable: set[str] | None = None
    seconds: float = 0.0

    def results_table(self, accounts: list[str]) -> pa.Table:
        """A results table (``account, flagged, score, cluster``) over ``accounts`` (every
        account of the case, so that accounts the signal says nothing about count as not
        flagged rather than as missing)."""
        scores = self.scores or {}
        clusters = self.clusters or {}
        return pa.table({
            "account": pa.array(accounts, pa.string()),
            "flagged": pa.array([a in self.flagged for a in accounts], pa.bool_()),
            "score": pa.array([float(scores.get(a, 0.0)) for a in accounts], pa.float64()),
            "cluster": pa.array([clusters.get(a) for a in accounts], pa.int64()),
        })


@dataclass(frozen=True)
class SignalRunner:
    name: str
    run: Callable[[Case], SignalOutput]
    description: str
    #: planted roles this signal is meant to find (empty: all of them)
    targets: tuple[str, ...] = ()


RUNNERS: dict[str, SignalRunner] = {}


def register(name: str, run: Callable[[Case], SignalOutput], description: str,
             targets: tuple[str, ...] = ()) -> None:
    """Add (or replace) a runner."""
    RUNNERS[name] = SignalRunner(name, run, description, tuple(targets))


def runners() -> dict[str, SignalRunner]:
    return dict(RUNNERS)


def _coaction(case: Case) -> SignalOutput:
    """``detect`` with every default; per-behaviour parts from the same run's edges."""
    from ..signals.detect import detect

    t = time.perf_counter()
    res = detect(case)
    acc = res.accounts.to_pydict()
    out = SignalOutput(
        flagged={a for a, f in zip(acc["account"], acc["flagged"], strict=True) if f},
        scores=dict(zip(acc["account"], acc["score"], strict=True)),
        clusters={a: c for a, c in zip(acc["account"], acc["cluster"], strict=True)
                  if c is not None},
    )
    out.parts = behaviour_parts(res.edges, res.params, res.partner_tests)
    out.reachable = set(res.edges.column("a").to_pylist()) | set(res.edges.column("b").to_pylist())
    out.seconds = time.perf_counter() - t
    return out


def behaviour_parts(edges: pa.Table, params: dict, partner_tests: pa.Table | None = None
                    ) -> dict[str, SignalOutput]:
    """What each behaviour alone contributes to a detection run: an account's score from its
    best q-value in that behaviour (best edge or partner test), with the same Bonferroni factor
    and alpha as the combined score, so the parts' flags add up to the combined flags."""
    names = list(params.get("behaviours", []))
    alpha = float(params.get("alpha", 0.01))
    n_tests = ACCOUNT_TESTS_PER_BEHAVIOUR * max(1, len(names))
    best: dict[str, dict[str, float]] = {b: {} for b in names}

    def keep_min(beh: str, account: str, q: float) -> None:
        d = best.setdefault(beh, {})
        if q < d.get(account, 2.0):
            d[account] = q

    cols = edges.select(["behaviour", "a", "b", "q_value"]).to_pydict()
    for beh, a, b, q in zip(cols["behaviour"], cols["a"], cols["b"], cols["q_value"],
                            strict=True):
        if q is not None:
            keep_min(beh, a, q)
            keep_min(beh, b, q)
    if partner_tests is not None:
        pt = partner_tests.select(["behaviour", "account", "q_partners"]).to_pydict()
        for beh, x, q in zip(pt["behaviour"], pt["account"], pt["q_partners"], strict=True):
            keep_min(beh, x, q)
    parts = {}
    for beh, d in best.items():
        adj = {a: min(1.0, q * n_tests) for a, q in d.items()}
        parts[beh] = SignalOutput(
            flagged={a for a, q in adj.items() if q <= alpha},
            scores={a: min(300.0, -math.log10(max(q, 1e-300))) for a, q in adj.items()},
        )
    return parts


register("coaction", _coaction,
         "swarmscope detect: co-action networks with the random-partner null (all defaults)",
         targets=("co_repost_ring", "copy_paste_farm", "reply_swarm"))


def _personas(case: Case) -> SignalOutput:
    """Temporal fingerprints with defaults: accounts the persona test flags (shift hand-overs
    in one account's timecard and writing style)."""
    from ..temporal.pipeline import analyse

    t = time.perf_counter()
    res = analyse(case, leadfollow=False, write=False)
    rows = res.personas.to_pydict()
    return SignalOutput(
        flagged={a for a, f in zip(rows["account"], rows["flagged"], strict=True) if f},
        scores={a: float(s or 0.0) for a, s in zip(rows["account"], rows["score"], strict=True)},
        seconds=time.perf_counter() - t,
    )


def _tag_teams(case: Case) -> SignalOutput:
    """Wikipedia forensics with defaults: members of flagged tag teams (co-reverting pairs
    beyond the page-level baseline), each team a cluster."""
    from ..wiki.forensics.report import run_report

    t = time.perf_counter()
    rep = run_report(case)
    flagged: set[str] = set()
    scores: dict[str, float] = {}
    clusters: dict[str, int] = {}
    for team in rep.tables["wiki_tag_teams"].to_pylist():
        for m in team["members"]:
            scores[m] = max(scores.get(m, 0.0), float(team["score"] or 0.0))
            if team["flagged"]:
                flagged.add(m)
                clusters.setdefault(m, int(team["team"]))
    return SignalOutput(flagged=flagged, scores=scores, clusters=clusters,
                        seconds=time.perf_counter() - t)


register("personas", _personas,
         "temporal fingerprints: personas run in shifts (timecard and style hand-overs)",
         targets=("persona",))
register("tag teams", _tag_teams,
         "Wikipedia forensics: tag teams that revert together beyond the page baseline",
         # the team's single-purpose accounts revert too rarely to pair; the single-purpose
         # screen describes them (a profile of where an account edits, not a coordination test)
         targets=("tag_team",))
